/** 处置反馈: the department reports what was done, with evidence photos; verification starts. */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import { computeDeadline } from '../cases.deadlines.js';
import * as repo from '../cases.repository.js';
import { categoryOf, levelDeadlines } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const handleCase = defineCommand({
  action: 'handle',
  summary: '处置反馈: report what was done, with evidence attachments',
  body: stepBody({
    summary: Type.String({ minLength: 2, maxLength: 4000, description: 'what was done' }),
    attachmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 20, uniqueItems: true })),
  }),
  async run(c, k, b) {
    const ids = b.attachmentIds ?? [];
    if (ids.length) {
      const found = await repo.attachmentsByIds(c.tx, k, ids);
      const missing = ids.find((id) => !found.some((a) => a.id === id));
      if (missing !== undefined) throw invalid('attachmentIds', `attachment ${missing} does not belong to this case`);
    }
    const cat = await categoryOf(c, k.category_code);
    const d = levelDeadlines(cat, k.response_level);
    return {
      to: 'handled',
      set: {
        handled_at: c.now,
        started_at: k.started_at ?? c.now,
        handling_summary: b.summary,
        pending_extension: null,
        verify_due_at: computeDeadline(c.now, d.verify, d.mode),
        verify_warned_at: null,
        verify_overdue_at: null,
      },
      event: { type: 'handled', departmentId: k.lead_department_id, data: { summary: b.summary, attachmentIds: ids, handleDueAt: k.handle_due_at }, publicText: '已处置，待核查' },
      notify: { reporters: true },
    };
  },
});
