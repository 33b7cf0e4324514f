/** 签收: the lead department takes the task. */
import { defineCommand, stepBody } from './types.js';

export const signForCase = defineCommand({
  action: 'sign-for',
  summary: '签收: the lead department signs for the task',
  body: stepBody({}),
  async run(c, k) {
    return {
      to: 'signed',
      set: { signed_at: c.now },
      event: { type: 'signed_for', departmentId: k.lead_department_id, publicText: '处置部门已签收' },
    };
  },
});
