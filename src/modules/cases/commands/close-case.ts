/** 结案: the centre closes the verified case; the reporters are asked for the callback. */
import { Type } from '@sinclair/typebox';
import { defineCommand, stepBody } from './types.js';

export const closeCase = defineCommand({
  action: 'close',
  summary: '结案: close the verified case (reporters are asked for the callback)',
  body: stepBody({ note: Type.Optional(Type.String({ maxLength: 2000 })) }),
  async run(c, _k, b) {
    return {
      to: 'closed',
      set: { closed_at: c.now },
      event: { type: 'closed', data: { note: b.note ?? null }, publicText: '已结案' },
      notify: { reporters: true, callbackRequested: true },
    };
  },
});
