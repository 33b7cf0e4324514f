/** The taxonomy (public to read: it is what a reporting form and Open311 list) and routing rules. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import * as cats from './categories.service.js';
import { mayManageCategories } from './cases.policy.js';
import { presentCategory } from './cases.presenter.js';
import * as repo from './cases.repository.js';
import { ATTRIBUTE_TYPES } from './cases.types.js';

const Level = Type.Object(
  {
    mode: Type.Union([Type.Literal('working'), Type.Literal('calendar')]),
    sign_for: Type.Number({ exclusiveMinimum: 0, maximum: 2400 }),
    handle: Type.Number({ exclusiveMinimum: 0, maximum: 24000 }),
    verify: Type.Number({ exclusiveMinimum: 0, maximum: 2400 }),
  },
  { additionalProperties: false },
);
export const DeadlinesSchema = Type.Object({ '1': Level, '2': Level, '3': Level }, { additionalProperties: false });
const AttributeSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }),
    datatype: Type.Union(ATTRIBUTE_TYPES.map((t) => Type.Literal(t))),
    required: Type.Boolean(),
    description: Type.String({ minLength: 1, maxLength: 500 }),
    order: Type.Optional(Type.Integer({ minimum: 0 })),
    values: Type.Optional(Type.Array(Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }), name: Type.String({ minLength: 1, maxLength: 200 }) }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);

const Editable = {
  nameZh: Type.String({ minLength: 1, maxLength: 100 }),
  nameEn: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 })),
  defaultResponseLevel: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)])),
  deadlines: DeadlinesSchema,
  attributes: Type.Optional(Type.Array(AttributeSchema, { maxItems: 50 })),
  private: Type.Optional(Type.Boolean()),
  autoDispatch: Type.Optional(Type.Boolean()),
  needsContact: Type.Optional(Type.Boolean()),
  duplicateRadiusM: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  duplicateWindowHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 87_600 })),
  sort: Type.Optional(Type.Integer()),
  active: Type.Optional(Type.Boolean()),
};
const CreateCategory = Type.Object(
  { code: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), parentCode: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])), ...Editable },
  { additionalProperties: false },
);
const PatchCategory = Type.Partial(Type.Object(Editable, { additionalProperties: false }), { additionalProperties: false, minProperties: 1 });
const CodeParams = Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) });

const CreateRule = Type.Object(
  {
    categoryCode: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'null: any category' })),
    regionCode: Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$' }),
    leadDepartmentId: Type.Integer({ minimum: 1 }),
    coDepartmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10, uniqueItems: true })),
    responseLevel: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Null()])),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const PatchRule = Type.Object(
  {
    leadDepartmentId: Type.Optional(Type.Integer({ minimum: 1 })),
    coDepartmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10, uniqueItems: true })),
    responseLevel: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Null()])),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
const RuleParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export async function categoryRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.get(
    '/api/categories',
    { config: { policy: 'public' }, schema: { tags: ['categories'], summary: 'The case taxonomy (active categories)', querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }) } },
    async (req) => {
      const q = req.query as { all?: boolean };
      if (q.all) mayManageCategories(req.actor);
      return { items: (await repo.listCategories(db, { includeInactive: q.all === true })).map(presentCategory) };
    },
  );
  app.get(
    '/api/categories/:code',
    { config: { policy: 'public' }, schema: { tags: ['categories'], summary: 'One category with its deadlines and attributes', params: CodeParams } },
    async (req) => {
      const { code } = req.params as Static<typeof CodeParams>;
      const c = await repo.getCategory(db, code);
      if (!c) throw new AppError('category_not_found', `No category ${code}.`);
      return presentCategory(c);
    },
  );
  app.post(
    '/api/categories',
    { config: { policy: 'cases.categories.manage' }, schema: { tags: ['categories'], summary: 'Create a category (admin)', body: CreateCategory } },
    async (req, reply) => {
      mayManageCategories(req.actor);
      const row = await cats.createCategory(db, req.ctx(), req.body as Static<typeof CreateCategory>);
      return reply.status(201).send(presentCategory(row));
    },
  );
  app.patch(
    '/api/categories/:code',
    { config: { policy: 'cases.categories.manage' }, schema: { tags: ['categories'], summary: 'Change a category (admin)', params: CodeParams, body: PatchCategory } },
    async (req) => {
      mayManageCategories(req.actor);
      const { code } = req.params as Static<typeof CodeParams>;
      return presentCategory(await cats.updateCategory(db, req.ctx(), code, req.body as Static<typeof PatchCategory>));
    },
  );

  app.get(
    '/api/routing-rules',
    { config: { policy: 'cases.routing.read' }, schema: { tags: ['categories'], summary: 'Routing rules in my scope' } },
    async (req) => {
      requireRole(req.actor, ['admin', 'operator']);
      return { items: (await cats.listRules(db, req.actor)).map(cats.presentRule) };
    },
  );
  app.post(
    '/api/routing-rules',
    { config: { policy: 'cases.routing.manage' }, schema: { tags: ['categories'], summary: 'Add a routing rule (admin of the region)', body: CreateRule } },
    async (req, reply) => {
      requireRole(req.actor, ['admin']);
      return reply.status(201).send(cats.presentRule(await cats.createRule(db, req.ctx(), req.body as Static<typeof CreateRule>)));
    },
  );
  app.patch(
    '/api/routing-rules/:id',
    { config: { policy: 'cases.routing.manage' }, schema: { tags: ['categories'], summary: 'Change a routing rule', params: RuleParams, body: PatchRule } },
    async (req) => {
      requireRole(req.actor, ['admin']);
      const { id } = req.params as Static<typeof RuleParams>;
      return cats.presentRule(await cats.updateRule(db, req.ctx(), id, req.body as Static<typeof PatchRule>));
    },
  );
  app.delete(
    '/api/routing-rules/:id',
    { config: { policy: 'cases.routing.manage' }, schema: { tags: ['categories'], summary: 'Retire a routing rule', params: RuleParams } },
    async (req, reply) => {
      requireRole(req.actor, ['admin']);
      const { id } = req.params as Static<typeof RuleParams>;
      await cats.deleteRule(db, req.ctx(), id);
      return reply.status(204).send();
    },
  );
}
