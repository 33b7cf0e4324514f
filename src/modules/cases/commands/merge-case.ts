/**
 * 合并: a duplicate is merged into an open case. Its reporters join that case's reporters, so every
 * one of them gets its updates and its callback.
 */
import { Type } from '@sinclair/typebox';
import { AppError, invalid } from '../../../platform/errors.js';
import { canView } from '../cases.policy.js';
import * as repo from '../cases.repository.js';
import { OPEN_STATES } from '../cases.states.js';
import { defineCommand, stepBody } from './types.js';

export const mergeCase = defineCommand({
  action: 'merge',
  summary: '合并: merge this duplicate into another open case',
  body: stepBody({ into: Type.Integer({ minimum: 1, description: 'id of the case to merge into' }) }),
  async run(c, k, b) {
    if (b.into === k.id) throw invalid('into', 'a case cannot be merged into itself');
    const target = await repo.loadCase(c.tx, b.into);
    if (!target || !canView(c.actor, target)) throw invalid('into', `no case ${b.into}`);
    if (target.city_code !== k.city_code) throw invalid('into', 'must be a case of the same city');
    if (!OPEN_STATES.includes(target.state)) {
      throw new AppError('invalid_state', `Case ${target.public_id} is ${target.state}: only an open case can receive a merge.`, { state: target.state });
    }
    return {
      to: 'merged',
      set: { merged_into: target.id },
      event: { type: 'merged', data: { into: target.id, intoPublicId: target.public_id }, publicText: `已合并至 ${target.public_id}` },
      notify: { reporters: true },
      async afterWrite(cx, merged) {
        await repo.copyReporters(cx.tx, merged, target, cx.now);
        await repo.insertEvent(cx, target, {
          type: 'merged_in',
          from: target.state,
          to: target.state,
          data: { from: merged.id, fromPublicId: merged.public_id },
          public: true,
          publicText: `合并了重复上报 ${merged.public_id}`,
        });
      },
    };
  },
});
