/** 延期审批: the dispatching centre approves or refuses a pending extension request. */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../platform/errors.js';
import { computeDeadline } from '../cases.deadlines.js';
import { defineCommand, stepBody } from './types.js';

export const decideExtensionCase = defineCommand({
  action: 'decide-extension',
  summary: '延期审批: approve or refuse the pending extension request',
  body: stepBody({ approve: Type.Boolean(), comment: Type.Optional(Type.String({ maxLength: 2000 })) }),
  async run(c, k, b) {
    const p = k.pending_extension;
    if (!p) throw new AppError('invalid_state', `Case ${k.public_id} has no extension request waiting for a decision.`, { state: k.state });
    const set: Record<string, unknown> = { pending_extension: null };
    if (b.approve && k.handle_due_at) {
      set.handle_due_at = computeDeadline(new Date(k.handle_due_at), p.hours, k.deadline_mode);
      set.handle_warned_at = null;
      set.handle_overdue_at = null;
    }
    return {
      to: k.state,
      set,
      event: { type: b.approve ? 'extension_approved' : 'extension_refused', data: { hours: p.hours, reason: p.reason, comment: b.comment ?? null, newDueAt: set.handle_due_at ?? null } },
      notify: { departmentIds: k.lead_department_id ? [k.lead_department_id] : [] },
    };
  },
});
