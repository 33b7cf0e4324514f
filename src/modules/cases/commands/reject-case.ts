/** 不予立案: the centre declines the report, with a reason the reporter sees. */
import { defineCommand, reasonField, stepBody } from './types.js';

export const rejectCase = defineCommand({
  action: 'reject',
  summary: '不予立案: decline the report with a reason the reporter sees',
  body: stepBody({ reason: reasonField('shown to the reporter and on the public timeline') }),
  async run(_c, _k, b) {
    return {
      to: 'not_accepted',
      set: { not_accepted_reason: b.reason },
      event: { type: 'not_accepted', data: { reason: b.reason }, publicText: `不予立案：${b.reason}` },
      notify: { reporters: true },
    };
  },
});
