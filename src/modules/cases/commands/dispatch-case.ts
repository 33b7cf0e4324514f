/**
 * 派遣: the centre sends the case to a lead department (and co-handlers) with a response level.
 * Without a department named, the most specific routing rule chooses; the rule is recorded.
 */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import * as repo from '../cases.repository.js';
import { categoryOf, dispatchClocks, suggestRouting } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const dispatchCase = defineCommand({
  action: 'dispatch',
  summary: '派遣: send to a lead department (+ co-handlers) with a response level',
  body: stepBody({
    leadDepartmentId: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the routing suggestion' })),
    coDepartmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10, uniqueItems: true })),
    responseLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  }),
  async run(c, k, b) {
    const cat = await categoryOf(c, k.category_code);
    const rule = b.leadDepartmentId === undefined ? await suggestRouting(c, k) : null;
    const lead = b.leadDepartmentId ?? rule?.lead_department_id;
    if (lead === undefined) throw invalid('leadDepartmentId', 'no routing rule matches this case: name the lead department');
    const co = (b.coDepartmentIds ?? rule?.co_department_ids ?? []).filter((d) => d !== lead);
    const found = await repo.departmentsByIds(c.tx, [lead, ...co]);
    if (!found.some((d) => d.id === lead)) throw invalid('leadDepartmentId', `no active department ${lead}`);
    const missing = co.find((d) => !found.some((f) => f.id === d));
    if (missing !== undefined) throw invalid('coDepartmentIds', `no active department ${missing}`);
    const level = b.responseLevel ?? rule?.response_level ?? k.response_level;
    const leadName = found.find((d) => d.id === lead)!.name;
    // A re-dispatch after a return is a transfer (转办) in the 12345 sense.
    const transfer = k.dispatched_at !== null;
    return {
      to: 'dispatched',
      set: {
        lead_department_id: lead,
        co_department_ids: co,
        routing_rule_id: rule?.id ?? null,
        response_level: level,
        dispatched_at: c.now,
        signed_at: null,
        started_at: null,
        pending_extension: null,
        ...(transfer ? { transfer_count: k.transfer_count + 1 } : {}),
        ...dispatchClocks(cat, level, c.now),
      },
      event: {
        type: 'dispatched',
        departmentId: lead,
        data: { leadDepartmentId: lead, coDepartmentIds: co, responseLevel: level, routingRuleId: rule?.id ?? null, transfer, note: b.note ?? null },
        publicText: `已派遣至${leadName}`,
      },
      notify: { reporters: true, departmentIds: [lead, ...co] },
    };
  },
});
