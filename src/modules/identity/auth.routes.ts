/** /api/auth: log in, log out, who am I, and the demo users of a demo installation. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { cookieOptions } from './auth.hook.js';
import { SESSION_ABSOLUTE_MS, SESSION_COOKIE, login, logout } from './auth.service.js';
import { DEMO_PASSWORD, DEMO_USERS } from './demo.js';
import { allowedActions } from './identity.policy.js';
import { GrantSchema, presentGrant } from './identity.presenter.js';
import * as repo from './identity.repository.js';

const ErrorRef = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }) });

// Per client IP, on top of the per-account lockout: a flood over many phones is slowed too.

const MeSchema = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
  user: Type.Optional(Type.Object({ id: Type.Integer(), name: Type.String(), phone: Type.String() })),
  apiKey: Type.Optional(Type.Object({ id: Type.Integer(), name: Type.String() })),
  grants: Type.Array(GrantSchema),
  actions: Type.Array(Type.String(), { description: 'identity actions the roles allow somewhere (other modules add theirs in their own answers)' }),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'send it as x-csrf-token on POST/PUT/PATCH/DELETE' }),
});

export async function authRoutes(app: FastifyInstance, { db, config }: AppDeps): Promise<void> {
  app.post(
    '/api/auth/login',
    {
      config: { policy: 'public', csrfExempt: true, rateLimit: { max: config.loginRatePerMin, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Log in with phone and password; sets the gz_session cookie',
        body: Type.Object(
          {
            phone: Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'mainland mobile number' }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: MeSchema, 401: ErrorRef, 423: ErrorRef, 429: ErrorRef },
      },
    },
    async (req, reply) => {
      const body = req.body as { phone: string; password: string };
      const ua = req.headers['user-agent'];
      const r = await login(db, req.ctx(), { phone: body.phone, password: body.password, userAgent: typeof ua === 'string' ? ua : null });
      void reply.setCookie(SESSION_COOKIE, r.token, cookieOptions(req, Math.floor(SESSION_ABSOLUTE_MS / 1000)));
      const user = (await repo.getUser(db, r.userId))!;
      const grants = await repo.grantsOfUsers(db, [r.userId]);
      const actor = { kind: 'user' as const, id: user.id, name: user.name, grants: repo.toActorGrants(grants), sessionId: null };
      return { kind: 'user' as const, user: { id: user.id, name: user.name, phone: user.phone }, grants: grants.map(presentGrant), actions: allowedActions(actor), csrfToken: r.csrfToken };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { policy: 'authenticated' },
      schema: { tags: ['auth'], summary: 'End this session', response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      const a = req.actor;
      if (a.kind === 'anonymous') throw new AppError('unauthenticated');
      if (a.kind === 'user' && a.sessionId) await logout(db, req.ctx(), a.sessionId);
      void reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { policy: 'authenticated' },
      schema: { tags: ['auth'], summary: 'Who I am: my grants and what the web app may show me', response: { 200: MeSchema } },
    },
    async (req) => {
      const a = req.actor;
      if (a.kind === 'user') {
        const user = await repo.getUser(db, a.id);
        if (!user) throw new AppError('unauthenticated');
        const grants = await repo.grantsOfUsers(db, [a.id]);
        return { kind: 'user' as const, user: { id: user.id, name: user.name, phone: user.phone }, grants: grants.map(presentGrant), actions: allowedActions(a), csrfToken: req.csrfToken ?? null };
      }
      if (a.kind === 'api_key') {
        const grants = await repo.grantsOfApiKeys(db, [a.id]);
        return { kind: 'api_key' as const, apiKey: { id: a.id, name: a.name }, grants: grants.map(presentGrant), actions: allowedActions(a), csrfToken: null };
      }
      throw new AppError('unauthenticated');
    },
  );

  app.get(
    '/api/auth/demo-users',
    {
      config: { policy: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'The demo users and their password (demo installations only; 404 otherwise)',
        response: {
          200: Type.Object({
            password: Type.String(),
            users: Type.Array(Type.Object({ name: Type.String(), phone: Type.String(), role: Type.String(), scope: Type.String() })),
          }),
        },
      },
    },
    async () => {
      if (!config.demo) throw new AppError('route_not_found', 'There is no endpoint GET /api/auth/demo-users.');
      return { password: DEMO_PASSWORD, users: DEMO_USERS.map((u) => ({ name: u.name, phone: u.phone, role: u.role, scope: u.scope })) };
    },
  );
}
