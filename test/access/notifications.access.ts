/** Notifications endpoints: my notifications, the demo mailbox, webhooks, live events. */
import type { Role } from '../../src/platform/actor.js';
import { createUserWithGrants } from '../helpers/identity.js';
import { ALL_ROLES, onlyRoles, SCOPED, type AccessEnv, type AccessRow, type Target } from './types.js';

const STAFF: readonly Role[] = ALL_ROLES.filter((r) => r !== 'resident');

/** A notification of the actor (in) or of somebody else (out). */
async function notificationOf(env: AccessEnv, target: Target, role: Role | 'anonymous'): Promise<number> {
  const owner =
    target === 'in' && role !== 'anonymous'
      ? env.actors[role].id
      : (await env.memo('notification-stranger', () => createUserWithGrants(env.db, { grants: [{ role: 'resident', regionCode: env.scope.out.community.code }] }))).id;
  const r = await env.db.query<{ id: number }>(
    `INSERT INTO notification (outbox_id, user_id, template, title, body) VALUES (nextval('outbox_id_seq'), $1, 'generic', 't', 'b') RETURNING id`,
    [owner],
  );
  return r.rows[0]!.id;
}

async function webhookIn(env: AccessEnv, target: Target): Promise<number> {
  const r = await env.db.query<{ id: number }>(
    `INSERT INTO webhook_subscription (name, url, secret, topics, region_id) VALUES ('acc', 'http://127.0.0.1:9/x', 's', '{case.*}', $1) RETURNING id`,
    [env.scope[target].district.id],
  );
  return r.rows[0]!.id;
}

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/notifications', anonymous: 'deny401', roles: {}, otherRoles: 'allow', request: () => ({ url: '/api/notifications' }) },
  {
    method: 'POST',
    url: '/api/notifications/:id/read',
    anonymous: 'deny401',
    roles: {},
    // Only one's own notification: somebody else's answers like a missing one.
    otherRoles: SCOPED,
    request: async (env, target, role) => ({ url: `/api/notifications/${await notificationOf(env, target, role)}/read` }),
  },
  // The matrix app runs in demo mode, where the mailbox exists.
  { method: 'GET', url: '/api/dev/mailbox', anonymous: 'deny401', ...onlyRoles(['admin'], 'allow'), request: () => ({ url: '/api/dev/mailbox' }) },
  { method: 'GET', url: '/api/webhooks', anonymous: 'deny401', ...onlyRoles(['admin'], 'allow'), request: () => ({ url: '/api/webhooks' }) },
  {
    method: 'POST',
    url: '/api/webhooks',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, target) => ({ url: '/api/webhooks', payload: { name: 'acc', url: 'https://example.invalid/hook', topics: ['case.*'], regionCode: env.scope[target].district.code } }),
  },
  {
    method: 'DELETE',
    url: '/api/webhooks/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: async (env, target) => ({ url: `/api/webhooks/${await webhookIn(env, target)}` }),
  },
  {
    method: 'GET',
    url: '/api/events',
    anonymous: 'deny401',
    ...onlyRoles(STAFF, 'allow'),
    // maxSeconds=0: send what is pending and close, so the request ends.
    request: () => ({ url: '/api/events?maxSeconds=0' }),
  },
];
