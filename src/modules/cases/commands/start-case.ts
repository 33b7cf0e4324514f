/** 开始处置: the department starts work. */
import { defineCommand, stepBody } from './types.js';

export const startCase = defineCommand({
  action: 'start',
  summary: '开始处置: start the work',
  body: stepBody({}),
  async run(c, k) {
    return { to: 'in_progress', set: { started_at: c.now }, event: { type: 'started', departmentId: k.lead_department_id, publicText: '正在处置' } };
  },
});
