/** 挂起: the clock stops (e.g. waiting for a court, the weather, a third party); a reason is required. */
import { defineCommand, reasonField, stepBody } from './types.js';

export const suspendCase = defineCommand({
  action: 'suspend',
  summary: '挂起: stop the clock, with a reason',
  body: stepBody({ reason: reasonField('why the work cannot go on now') }),
  async run(c, k, b) {
    return {
      to: 'suspended',
      set: { suspended_from: k.state, suspended_at: c.now },
      event: { type: 'suspended', data: { reason: b.reason, from: k.state }, publicText: '已挂起' },
    };
  },
});
