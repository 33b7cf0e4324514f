/** 立案: the centre accepts a report as a case (optionally fixing its category and response level). */
import { Type } from '@sinclair/typebox';
import { categoryOf } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const acceptCase = defineCommand({
  action: 'accept',
  summary: '立案: accept the report as a case',
  body: stepBody({
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    responseLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    note: Type.Optional(Type.String({ maxLength: 2000, description: 'internal note (staff only)' })),
  }),
  async run(c, k, b) {
    const cat = await categoryOf(c, b.categoryCode ?? k.category_code);
    return {
      to: 'accepted',
      set: { accepted_at: c.now, category_code: cat.code, response_level: b.responseLevel ?? k.response_level, private: k.private || cat.private },
      event: { type: 'accepted', data: { categoryCode: cat.code, responseLevel: b.responseLevel ?? k.response_level, note: b.note ?? null }, publicText: '已立案' },
      notify: { reporters: true },
    };
  },
});
