/** 申请延期: the department asks for more time, before the handling deadline passes. */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../platform/errors.js';
import { defineCommand, reasonField, stepBody } from './types.js';

export const requestExtensionCase = defineCommand({
  action: 'request-extension',
  summary: '申请延期: ask the dispatching centre for more time (before the deadline)',
  body: stepBody({ hours: Type.Number({ exclusiveMinimum: 0, maximum: 2400, description: 'extra hours, in the case\'s clock mode' }), reason: reasonField('why more time is needed') }),
  async run(c, k, b) {
    if (k.pending_extension) throw new AppError('conflict', `Case ${k.public_id} already has an extension request waiting for a decision.`);
    if (k.handle_due_at && c.now.getTime() >= new Date(k.handle_due_at).getTime()) {
      throw new AppError('extension_too_late', `The handling deadline of case ${k.public_id} passed at ${new Date(k.handle_due_at).toISOString()}; an extension must be asked for before it.`);
    }
    const by = c.actor.kind === 'user' || c.actor.kind === 'api_key' ? c.actor.name : c.actor.kind;
    return {
      to: k.state,
      set: { pending_extension: { hours: b.hours, reason: b.reason, requestedAt: c.now.toISOString(), requestedBy: by } },
      event: { type: 'extension_requested', departmentId: k.lead_department_id, data: { hours: b.hours, reason: b.reason } },
      notify: { departmentIds: [] },
    };
  },
});
