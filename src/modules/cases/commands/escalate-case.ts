/** 向上请办: the centre hands the case to the centre above it (community → street → district → city). */
import { AppError } from '../../../platform/errors.js';
import { centreAbove } from './helpers.js';
import { defineCommand, reasonField, stepBody } from './types.js';

export const escalateCase = defineCommand({
  action: 'escalate',
  summary: '向上请办: hand the case to the next centre up',
  body: stepBody({ reason: reasonField('why the centre above must take it') }),
  async run(c, k, b) {
    const up = await centreAbove(c, k);
    if (!up) throw new AppError('invalid_state', `Case ${k.public_id} is already at the city centre: there is no centre above it.`, { state: k.state });
    return {
      to: k.state,
      set: { centre_region_id: up.id, centre_path: up.path, escalation_count: k.escalation_count + 1 },
      event: { type: 'escalated', data: { fromCentreId: k.centre_region_id, toCentreId: up.id, toCentreName: up.name, reason: b.reason } },
    };
  },
});
