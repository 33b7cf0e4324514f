/** /api/users, /api/departments, /api/apikeys: thin handlers (schema → policy → command → presenter). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { resolveSecret } from './idcard.js';
import { authorize, managesHolder, rolesFor } from './identity.policy.js';
import { ApiKeySchema, DepartmentSchema, GrantSchema, RoleSchema, UserSchema, presentApiKey, presentDepartment, presentGrant, presentUser } from './identity.presenter.js';
import * as repo from './identity.repository.js';
import * as svc from './identity.service.js';

const Id = Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991 });
const IdParams = Type.Object({ id: Id });
const RegionCode = Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$', description: '12-digit NBS code (grids 15, micro-grids 17 digits)' });
const DepartmentCode = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Phone = Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'mainland mobile number' });
const GrantBody = Type.Object(
  { role: RoleSchema, regionCode: RegionCode, departmentCode: Type.Optional(DepartmentCode) },
  { additionalProperties: false },
);
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

export async function identityRoutes(app: FastifyInstance, { db, config, now }: AppDeps): Promise<void> {
  let secretCache: string | undefined;
  const secret = () => (secretCache ??= resolveSecret(config));

  async function userJson(actor: Parameters<typeof svc.loadUserFor>[1], id: number, reveal: boolean) {
    const { user, grants, manages } = await svc.loadUserFor(db, actor, id);
    return presentUser(user, grants, manages, now(), reveal ? secret() : undefined);
  }

  // ------------------------------------------------------------------ users

  app.get(
    '/api/users',
    {
      config: { policy: 'users.list' },
      schema: {
        tags: ['users'],
        summary: 'Users holding a role inside my admin scope',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name or phone' })),
          role: Type.Optional(RoleSchema),
          regionCode: Type.Optional(RegionCode),
          ...Paging,
        }),
        response: { 200: Type.Object({ items: Type.Array(UserSchema) }) },
      },
    },
    async (req) => {
      authorize(req.actor, 'users.list');
      const q = req.query as { q?: string; role?: Role; regionCode?: string; limit?: number; offset?: number };
      const rows = await repo.listUsersScoped(db, req.actor, { q: q.q, role: q.role, regionCode: q.regionCode, limit: q.limit ?? 100, offset: q.offset ?? 0 });
      const grants = await repo.grantsOfUsers(db, rows.map((u) => u.id));
      return {
        items: rows.map((u) => {
          const mine = grants.filter((g) => g.userId === u.id);
          return presentUser(u, mine, managesHolder(req.actor, mine.map((g) => g.regionPath)), now());
        }),
      };
    },
  );

  app.post(
    '/api/users',
    {
      config: { policy: 'users.create' },
      schema: {
        tags: ['users'],
        summary: 'Create a user, with roles over regions inside my scope',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            phone: Phone,
            password: Type.String({ minLength: 1, maxLength: 256 }),
            idCard: Type.Optional(Type.Union([Type.String({ maxLength: 18 }), Type.Null()], { description: '18-character resident ID; stored encrypted' })),
            grants: Type.Optional(Type.Array(GrantBody, { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema },
      },
    },
    async (req, reply) => {
      authorize(req.actor, 'users.create');
      const id = await svc.createUser(db, req.ctx(), secret, req.body as svc.CreateUserInput);
      return reply.status(201).send(await userJson(req.actor, id, false));
    },
  );

  app.get(
    '/api/users/:id',
    {
      config: { policy: 'users.read' },
      schema: { tags: ['users'], summary: 'One user in my scope (ID card in full only if I manage them)', params: IdParams, response: { 200: UserSchema } },
    },
    async (req) => {
      authorize(req.actor, 'users.read');
      return userJson(req.actor, (req.params as { id: number }).id, true);
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { policy: 'users.update' },
      schema: {
        tags: ['users'],
        summary: 'Change a user: name, phone, password, ID card, disable, unlock',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            phone: Type.Optional(Phone),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            idCard: Type.Optional(Type.Union([Type.String({ maxLength: 18 }), Type.Null()])),
            disabled: Type.Optional(Type.Boolean()),
            unlock: Type.Optional(Type.Literal(true, { description: 'clear a login lockout' })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema },
      },
    },
    async (req) => {
      authorize(req.actor, 'users.update');
      const id = (req.params as { id: number }).id;
      await svc.updateUser(db, req.ctx(), secret, id, req.body as svc.UpdateUserInput);
      return userJson(req.actor, id, false);
    },
  );

  app.post(
    '/api/users/:id/grants',
    {
      config: { policy: 'users.grant' },
      schema: { tags: ['users'], summary: 'Grant a role over a region inside my scope', params: IdParams, body: GrantBody, response: { 201: GrantSchema } },
    },
    async (req, reply) => {
      authorize(req.actor, 'users.grant');
      const grantId = await svc.addGrant(db, req.ctx(), (req.params as { id: number }).id, req.body as svc.GrantInput);
      return reply.status(201).send(presentGrant((await repo.getGrant(db, grantId))!));
    },
  );

  app.delete(
    '/api/users/:id/grants/:grantId',
    {
      config: { policy: 'users.revoke_grant' },
      schema: { tags: ['users'], summary: 'Take a role back', params: Type.Object({ id: Id, grantId: Id }), response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      authorize(req.actor, 'users.revoke_grant');
      const p = req.params as { id: number; grantId: number };
      await svc.removeGrant(db, req.ctx(), p.id, p.grantId);
      return reply.status(204).send();
    },
  );

  // ------------------------------------------------------------------ departments

  app.get(
    '/api/departments',
    {
      config: { policy: 'departments.list' },
      schema: {
        tags: ['departments'],
        summary: 'Departments serving my regions (inside my scope or above it)',
        querystring: Type.Object({
          regionCode: Type.Optional(RegionCode),
          kind: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
          q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          ...Paging,
        }),
        response: { 200: Type.Object({ items: Type.Array(DepartmentSchema) }) },
      },
    },
    async (req) => {
      authorize(req.actor, 'departments.list');
      const q = req.query as { regionCode?: string; kind?: string; q?: string; limit?: number; offset?: number };
      const rows = await repo.listDepartmentsScoped(db, req.actor, rolesFor('departments.list'), { regionCode: q.regionCode, kind: q.kind, q: q.q, limit: q.limit ?? 100, offset: q.offset ?? 0 });
      return { items: rows.map(presentDepartment) };
    },
  );

  app.post(
    '/api/departments',
    {
      config: { policy: 'departments.create' },
      schema: {
        tags: ['departments'],
        summary: 'Create a department serving a region inside my scope',
        body: Type.Object(
          {
            code: DepartmentCode,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            kind: Type.String({ minLength: 1, maxLength: 40, description: '城管, 住建, 市场监管, 生态环境, 水务, 交通, 公安 …' }),
            regionCode: RegionCode,
            parentCode: Type.Optional(DepartmentCode),
          },
          { additionalProperties: false },
        ),
        response: { 201: DepartmentSchema },
      },
    },
    async (req, reply) => {
      authorize(req.actor, 'departments.create');
      const id = await svc.createDepartment(db, req.ctx(), req.body as svc.CreateDepartmentInput);
      return reply.status(201).send(presentDepartment((await repo.getDepartment(db, id))!));
    },
  );

  app.get(
    '/api/departments/:id',
    {
      config: { policy: 'departments.read' },
      schema: { tags: ['departments'], summary: 'One department serving my regions', params: IdParams, response: { 200: DepartmentSchema } },
    },
    async (req) => {
      authorize(req.actor, 'departments.read');
      const id = (req.params as { id: number }).id;
      const d = await repo.getDepartmentScoped(db, req.actor, rolesFor('departments.read'), id);
      if (!d) throw new AppError('department_not_found', `No department ${id}.`);
      return presentDepartment(d);
    },
  );

  app.patch(
    '/api/departments/:id',
    {
      config: { policy: 'departments.update' },
      schema: {
        tags: ['departments'],
        summary: 'Rename, re-kind or (de)activate a department in my scope (its code and area stay)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            kind: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: DepartmentSchema },
      },
    },
    async (req) => {
      authorize(req.actor, 'departments.update');
      const id = (req.params as { id: number }).id;
      await svc.updateDepartment(db, req.ctx(), id, req.body as svc.UpdateDepartmentInput);
      return presentDepartment((await repo.getDepartment(db, id))!);
    },
  );

  // ------------------------------------------------------------------ API keys

  app.get(
    '/api/apikeys',
    {
      config: { policy: 'apikeys.list' },
      schema: { tags: ['apikeys'], summary: 'API keys with a role inside my scope (never the keys themselves)', response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }) } },
    },
    async (req) => {
      authorize(req.actor, 'apikeys.list');
      const keys = await repo.listApiKeysScoped(db, req.actor);
      const grants = await repo.grantsOfApiKeys(db, keys.map((k) => k.id));
      return { items: keys.map((k) => presentApiKey(k, grants)) };
    },
  );

  app.post(
    '/api/apikeys',
    {
      config: { policy: 'apikeys.create' },
      schema: {
        tags: ['apikeys'],
        summary: 'Create an API key for an integration; the key is in this answer only',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), grants: Type.Array(GrantBody, { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
        response: { 201: Type.Composite([ApiKeySchema, Type.Object({ key: Type.String({ description: 'gz_<prefix>_<secret>: store it now, it is not shown again' }) })]) },
      },
    },
    async (req, reply) => {
      authorize(req.actor, 'apikeys.create');
      const r = await svc.createApiKey(db, req.ctx(), req.body as svc.CreateApiKeyInput);
      const key = (await repo.getApiKeyScoped(db, { kind: 'system', name: 'presenter' }, r.id))!;
      return reply.status(201).send({ ...presentApiKey(key, await repo.grantsOfApiKeys(db, [r.id])), key: r.key });
    },
  );

  app.delete(
    '/api/apikeys/:id',
    {
      config: { policy: 'apikeys.revoke' },
      schema: { tags: ['apikeys'], summary: 'Revoke an API key (takes effect on its next request)', params: IdParams, response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      authorize(req.actor, 'apikeys.revoke');
      await svc.revokeApiKey(db, req.ctx(), (req.params as { id: number }).id);
      return reply.status(204).send();
    },
  );
}
