/**
 * 退回: the department sends the case back to the dispatching centre with a reason. The third
 * return escalates it to the centre above with a supervision ticket (the 12345 rule).
 */
import { defineCommand, reasonField, stepBody } from './types.js';
import { repeatEscalation } from './helpers.js';

export const returnCase = defineCommand({
  action: 'return',
  summary: '退回: send the case back to the dispatching centre with a reason',
  body: stepBody({ reason: reasonField('why this department is not the right one') }),
  async run(c, k, b) {
    const returns = k.return_count + 1;
    // Every transfer (转办) follows a return here, so the return count is the 12345 count.
    const esc = await repeatEscalation(c, k, 'repeat_return', returns);
    return {
      to: 'returned',
      set: {
        return_count: returns,
        lead_department_id: null,
        co_department_ids: [],
        pending_extension: null,
        sign_for_due_at: null,
        handle_due_at: null,
        ...(esc?.set ?? {}),
      },
      event: {
        type: 'returned',
        departmentId: k.lead_department_id,
        data: { reason: b.reason, departmentId: k.lead_department_id, returns, escalatedTo: esc ? { id: esc.up.id, name: esc.up.name } : null },
      },
    };
  },
});
