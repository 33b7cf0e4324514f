/** 恢复: the clock runs again; every open deadline moves on by the time spent suspended. */
import { shiftDeadline } from '../cases.deadlines.js';
import { defineCommand, stepBody } from './types.js';

export const resumeCase = defineCommand({
  action: 'resume',
  summary: '恢复: resume a suspended case; open deadlines move by the suspended time',
  body: stepBody({}),
  async run(c, k) {
    const since = k.suspended_at ? new Date(k.suspended_at) : c.now;
    const set: Record<string, unknown> = {
      suspended_from: null,
      suspended_at: null,
      suspended_ms: k.suspended_ms + Math.max(0, c.now.getTime() - since.getTime()),
    };
    for (const step of ['sign_for', 'handle', 'verify'] as const) {
      const due = k[`${step}_due_at`];
      if (due) set[`${step}_due_at`] = shiftDeadline(new Date(due), since, c.now, k.deadline_mode);
    }
    return {
      to: k.suspended_from!,
      set,
      event: { type: 'resumed', data: { suspendedMs: c.now.getTime() - since.getTime() }, publicText: '恢复处置' },
    };
  },
});
