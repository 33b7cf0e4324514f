/** 分类: the centre corrects the category, response level or privacy during triage. */
import { Type } from '@sinclair/typebox';
import { invalid } from '../../../platform/errors.js';
import { categoryOf } from './helpers.js';
import { defineCommand, stepBody } from './types.js';

export const classifyCase = defineCommand({
  action: 'classify',
  summary: '分类: set the category, response level or privacy',
  body: stepBody({
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    responseLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    private: Type.Optional(Type.Boolean()),
  }),
  async run(c, k, b) {
    if (b.categoryCode === undefined && b.responseLevel === undefined && b.private === undefined) {
      throw invalid('body', 'give categoryCode, responseLevel or private');
    }
    const cat = await categoryOf(c, b.categoryCode ?? k.category_code);
    if (cat.level !== 2) throw invalid('categoryCode', 'must be a minor (second-level) category');
    // A private category makes the case private whatever the request says.
    const priv = cat.private || (b.private ?? k.private);
    return {
      to: k.state,
      set: { category_code: cat.code, response_level: b.responseLevel ?? k.response_level, private: priv },
      event: { type: 'classified', data: { from: { categoryCode: k.category_code, responseLevel: k.response_level, private: k.private }, to: { categoryCode: cat.code, responseLevel: b.responseLevel ?? k.response_level, private: priv } } },
    };
  },
});
