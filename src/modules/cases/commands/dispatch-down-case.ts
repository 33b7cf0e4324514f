/** 向下派遣: the centre hands the case to a centre below it (district → street → community). */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import * as repo from '../cases.repository.js';
import { CENTRE_LEVELS } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const dispatchDownCase = defineCommand({
  action: 'dispatch-down',
  summary: '向下派遣: hand the case to a centre below',
  body: stepBody({ centreRegionCode: Type.String({ pattern: '^[0-9]{12}$', description: 'the lower centre (district, street or community)' }), note: Type.Optional(Type.String({ maxLength: 2000 })) }),
  async run(c, k, b) {
    const to = await repo.regionByCode(c.tx, b.centreRegionCode);
    if (!to || !(CENTRE_LEVELS as readonly string[]).includes(to.level)) throw invalid('centreRegionCode', 'is not a district, street or community');
    if (!to.path.startsWith(k.centre_path) || to.path === k.centre_path) throw invalid('centreRegionCode', 'must lie below the case\'s current centre');
    return {
      to: k.state,
      set: { centre_region_id: to.id, centre_path: to.path },
      event: { type: 'dispatched_down', data: { fromCentreId: k.centre_region_id, toCentreId: to.id, toCentreName: to.name, note: b.note ?? null } },
    };
  },
});
