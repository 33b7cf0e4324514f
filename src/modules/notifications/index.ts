/** The notifications module's public surface: notify()/publishEvent() for other modules' commands. */
import crypto from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireRole, scopePaths, coversPath, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { inTx } from '../../platform/context.js';
import { recordAudit } from '../audit/index.js';
import type { ModuleManifest } from '../types.js';
import * as repo from './notifications.repository.js';
import { invalidateSubscriptions, outboxHandlers } from './notifications.service.js';

export { notify, publishEvent, publishEventPart, sign, type NotifyInput } from './notifications.service.js';
export { render as renderNotification, TEMPLATES as NOTIFICATION_TEMPLATES } from './templates.js';

const STAFF = ['operator', 'handler', 'grid_worker', 'supervisor', 'analyst', 'admin', 'mediator', 'volunteer_admin'] as const;

function userId(a: Actor): number {
  if (a.kind !== 'user') throw new AppError('unauthenticated', 'Notifications belong to a logged-in user.');
  return a.id;
}

function likeScope(a: Actor, roles: Parameters<typeof scopePaths>[1]): string[] | null {
  const p = scopePaths(a, roles);
  return p === null ? null : p.map((x) => `${x}%`);
}

const isRootScoped = (a: Actor): boolean => (scopePaths(a, ['admin']) ?? ['/']).some((p) => p.split('/').filter(Boolean).length === 1);

export const manifest: ModuleManifest = {
  name: 'notifications',
  auditVerbs: ['webhook.create', 'webhook.deactivate'],
  outboxHandlers: ({ db }) => outboxHandlers(db),
  async routes(app, { db, config }) {
    app.get(
      '/api/notifications',
      {
        config: { policy: 'authenticated' },
        schema: {
          tags: ['notifications'],
          summary: 'My notifications, newest first',
          querystring: Type.Object({
            unread: Type.Optional(Type.Boolean()),
            before: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          }),
        },
      },
      async (req) => {
        const q = req.query as { unread?: boolean; before?: number; limit?: number };
        const uid = userId(req.actor);
        const items = await repo.listForUser(db, uid, { unreadOnly: q.unread ?? false, ...(q.before ? { before: q.before } : {}), limit: q.limit ?? 50 });
        return { items, unread: await repo.countUnread(db, uid) };
      },
    );

    app.post(
      '/api/notifications/:id/read',
      {
        config: { policy: 'authenticated' },
        schema: { tags: ['notifications'], summary: 'Mark one of my notifications read', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) },
      },
      async (req) => {
        const { id } = req.params as { id: number };
        if (!(await repo.markRead(db, userId(req.actor), id, req.ctx().now))) throw new AppError('not_found', 'No such notification.');
        return { ok: true };
      },
    );

    app.get(
      '/api/dev/mailbox',
      {
        config: { policy: 'notifications.mailbox' },
        schema: { tags: ['notifications'], summary: 'Demo mode: the SMS and e-mail the platform would have sent', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }) },
      },
      async (req) => {
        requireRole(req.actor, ['admin']);
        // The mailbox holds residents' phone numbers: it exists only for demos and development.
        if (!config.demo) throw new AppError('not_found', 'The development mailbox exists only in demo mode.');
        return { items: await repo.listMailbox(db, (req.query as { limit?: number }).limit ?? 100) };
      },
    );

    app.get(
      '/api/webhooks',
      { config: { policy: 'notifications.webhooks' }, schema: { tags: ['integrations'], summary: 'Webhook subscriptions in my scope' } },
      async (req) => {
        requireRole(req.actor, ['admin']);
        return { items: await repo.listWebhooks(db, { likePatterns: likeScope(req.actor, ['admin']), root: isRootScoped(req.actor) }) };
      },
    );

    app.post(
      '/api/webhooks',
      {
        config: { policy: 'notifications.webhooks' },
        schema: {
          tags: ['integrations'],
          summary: 'Subscribe an endpoint to events; the signing secret is shown once',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              url: Type.String({ minLength: 8, maxLength: 2000 }),
              topics: Type.Array(Type.String({ pattern: '^(\\*|[a-z_]+(\\.[a-z_*]+)*)$', maxLength: 100 }), { minItems: 1, maxItems: 50 }),
              regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{12,17}$' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        requireRole(req.actor, ['admin']);
        const b = req.body as { name: string; url: string; topics: string[]; regionCode?: string };
        let url: URL;
        try {
          url = new URL(b.url);
        } catch {
          throw new AppError('validation_failed', 'url: must be an absolute http(s) URL', [{ field: 'url', problem: 'must be an absolute http(s) URL' }]);
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          throw new AppError('validation_failed', 'url: must use http or https', [{ field: 'url', problem: 'must use http or https' }]);
        }
        let region: { id: number; path: string } | null = null;
        if (b.regionCode) {
          region = (await db.query<{ id: number; path: string }>('SELECT id, path FROM region WHERE code = $1 AND valid_to IS NULL', [b.regionCode])).rows[0] ?? null;
          if (!region || !coversPath(req.actor, ['admin'], region.path)) throw new AppError('region_not_found', `regionCode: no region ${b.regionCode} in your scope`);
        } else if (!isRootScoped(req.actor)) {
          throw new AppError('validation_failed', 'regionCode: required unless you administer the whole city', [{ field: 'regionCode', problem: 'required' }]);
        }
        const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
        const created = await inTx(db, req.ctx(), async (c) => {
          const w = await repo.insertWebhook(c.tx, { name: b.name, url: url.toString(), secret, topics: b.topics, regionId: region?.id ?? null, createdBy: req.actor.kind === 'user' ? req.actor.id : null });
          await recordAudit(c, { action: 'webhook.create', targetType: 'webhook', targetId: w.id, regionId: region?.id ?? null, after: { name: w.name, url: w.url, topics: w.topics } });
          return w;
        }).finally(invalidateSubscriptions);
        return reply.status(201).send({ ...created, secret });
      },
    );

    app.delete(
      '/api/webhooks/:id',
      { config: { policy: 'notifications.webhooks' }, schema: { tags: ['integrations'], summary: 'Stop a webhook subscription', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
      async (req, reply) => {
        requireRole(req.actor, ['admin']);
        const { id } = req.params as { id: number };
        const visible = await repo.listWebhooks(db, { likePatterns: likeScope(req.actor, ['admin']), root: isRootScoped(req.actor) });
        const w = visible.find((x) => x.id === id);
        if (!w) throw new AppError('not_found', 'No such webhook subscription.');
        await inTx(db, req.ctx(), async (c) => {
          await repo.deactivateWebhook(c.tx, id);
          await recordAudit(c, { action: 'webhook.deactivate', targetType: 'webhook', targetId: id, regionId: w.regionId, before: { active: true }, after: { active: false } });
        }).finally(invalidateSubscriptions);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/events',
      {
        config: { policy: 'notifications.events' },
        schema: {
          tags: ['notifications'],
          summary: 'Server-sent events in my region scope (live dashboards)',
          querystring: Type.Object({
            maxSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, default: 300, description: 'close the stream after this long (clients reconnect with Last-Event-ID); 0 sends what is pending and closes' })),
          }),
        },
      },
      (req, reply) => streamEvents(req, reply, db, (req.query as { maxSeconds?: number }).maxSeconds ?? 300),
    );
  },
};

/**
 * Server-sent events: polls the outbox for 'event.*' rows in the actor's scope once a second.
 * Polling the table (not an in-process emitter) means every instance behind a load balancer
 * streams every event, whichever instance committed it. Last-Event-ID resumes after a reconnect.
 */
async function streamEvents(req: FastifyRequest, reply: FastifyReply, db: import('../../platform/db.js').Database, maxSeconds: number): Promise<void> {
  requireRole(req.actor, [...STAFF]);
  const like = likeScope(req.actor, [...STAFF]);
  const header = req.headers['last-event-id'];
  let last = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : await repo.latestEventId(db);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 3000\n\n');
  let closed = false;
  req.raw.on('close', () => {
    closed = true;
  });
  // Streams end after a while so that proxies and load balancers never hold one forever; the
  // browser's EventSource reconnects by itself and resumes from Last-Event-ID.
  const until = Date.now() + maxSeconds * 1000;
  for (;;) {
    try {
      const rows = await repo.eventsSince(db, last, like);
      for (const e of rows) {
        last = e.id;
        // No `event:` line: every event arrives at the browser's onmessage, named in data.event, so a
        // dashboard needs no list of event names to hear new kinds.
        res.write(`id: ${e.id}\ndata: ${JSON.stringify({ event: e.topic.slice('event.'.length), ...e.payload, occurredAt: e.createdAt })}\n\n`);
      }
      if (rows.length === 0) res.write(': keep-alive\n\n');
    } catch {
      res.write(': database unavailable, retrying\n\n');
    }
    if (closed || Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  res.end();
}
