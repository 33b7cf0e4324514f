/**
 * 回访: satisfied / basically satisfied ends the loop; dissatisfied reopens it (发回重办) to the same
 * lead department with fresh clocks. The third reopen escalates (the 12345 rule).
 */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import { categoryOf, dispatchClocks, repeatEscalation } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

const LABEL = { satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意' } as const;

export const callbackCase = defineCommand({
  action: 'callback',
  summary: '回访: record satisfaction; dissatisfied reopens the case (发回重办)',
  body: stepBody({
    satisfaction: Type.Union([Type.Literal('satisfied'), Type.Literal('basically_satisfied'), Type.Literal('dissatisfied')]),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  }),
  async run(c, k, b) {
    if (b.satisfaction !== 'dissatisfied') {
      return {
        to: 'evaluated',
        set: { satisfaction: b.satisfaction, satisfaction_comment: b.comment ?? null, evaluated_at: c.now },
        event: { type: 'callback', data: { satisfaction: b.satisfaction, comment: b.comment ?? null }, publicText: `回访：${LABEL[b.satisfaction]}` },
      };
    }
    if (!b.comment) throw invalid('comment', 'say what is wrong when dissatisfied');
    if (k.lead_department_id === null) throw invalid('satisfaction', 'the case has no department to reopen it to');
    const reopens = k.reopen_count + 1;
    const esc = await repeatEscalation(c, k, 'repeat_reopen', reopens);
    const cat = await categoryOf(c, k.category_code);
    return {
      to: 'dispatched',
      set: {
        satisfaction: b.satisfaction,
        satisfaction_comment: b.comment,
        reopen_count: reopens,
        dispatched_at: c.now,
        signed_at: null,
        started_at: null,
        handled_at: null,
        verified_at: null,
        closed_at: null,
        ...dispatchClocks(cat, k.response_level, c.now),
        ...(esc?.set ?? {}),
      },
      event: {
        type: 'reopened',
        departmentId: k.lead_department_id,
        data: { satisfaction: b.satisfaction, comment: b.comment, reopens, escalatedTo: esc ? { id: esc.up.id, name: esc.up.name } : null },
        publicText: '回访不满意，发回重办',
      },
      notify: { reporters: true, departmentIds: [k.lead_department_id, ...k.co_department_ids] },
    };
  },
});
