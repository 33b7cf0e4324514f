/** 核查: the grid worker (or the reporter) checks on site; a failure sends it back as rework (返工). */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import { computeDeadline } from '../cases.deadlines.js';
import * as repo from '../cases.repository.js';
import { categoryOf, levelDeadlines } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const verifyCase = defineCommand({
  action: 'verify',
  summary: '核查: pass, or fail and send back as rework (返工)',
  body: stepBody({
    result: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    attachmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 20, uniqueItems: true })),
  }),
  async run(c, k, b) {
    const ids = b.attachmentIds ?? [];
    if (ids.length) {
      const found = await repo.attachmentsByIds(c.tx, k, ids);
      const missing = ids.find((id) => !found.some((a) => a.id === id));
      if (missing !== undefined) throw invalid('attachmentIds', `attachment ${missing} does not belong to this case`);
    }
    if (b.result === 'fail' && !b.comment) throw invalid('comment', 'say what is still wrong when verification fails');
    if (b.result === 'pass') {
      return {
        to: 'verified',
        set: { verified_at: c.now },
        event: { type: 'verified', data: { comment: b.comment ?? null, attachmentIds: ids }, publicText: '核查通过' },
      };
    }
    const cat = await categoryOf(c, k.category_code);
    const d = levelDeadlines(cat, k.response_level);
    return {
      to: 'in_progress',
      set: {
        rework_count: k.rework_count + 1,
        handled_at: null,
        verify_due_at: null,
        handle_due_at: computeDeadline(c.now, d.handle, d.mode),
        handle_warned_at: null,
        handle_overdue_at: null,
      },
      event: { type: 'rework', departmentId: k.lead_department_id, data: { comment: b.comment, attachmentIds: ids }, publicText: '核查未通过，返工' },
      notify: { departmentIds: k.lead_department_id ? [k.lead_department_id] : [] },
    };
  },
});
