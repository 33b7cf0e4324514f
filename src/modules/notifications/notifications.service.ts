/**
 * Notifications go through the outbox: a command calls notify()/publishEvent() inside its own
 * transaction, and the relay delivers after commit, at least once:
 * - 'notification.send' → in-app notifications (unique per outbox message and user, so a
 *   redelivery adds nothing) and SMS/e-mail through the gateway adapter — in the embedded default
 *   the development mailbox, visible to admins in demo mode;
 * - 'event.<name>' → one 'webhook.deliver' message per matching subscription, so each receiver
 *   retries on its own; the body is signed with HMAC-SHA256 over "<timestamp>.<body>".
 */
import crypto from 'node:crypto';
import type { Sql, Database } from '../../platform/db.js';
import { enqueue, enqueuePart, type OutboxHandler, type OutboxMessage } from '../../platform/outbox.js';
import type { RowSource, StatementPart } from '../../platform/statement.js';
import { render } from './templates.js';

export interface NotifyInput {
  userIds?: number[];
  phones?: string[];
  emails?: string[];
  template: string;
  params?: Record<string, unknown>;
  link?: string;
}

export async function notify(tx: Sql, n: NotifyInput): Promise<void> {
  const userIds = [...new Set(n.userIds ?? [])];
  const phones = [...new Set(n.phones ?? [])];
  const emails = [...new Set(n.emails ?? [])];
  if (userIds.length + phones.length + emails.length === 0) return;
  await enqueue(tx, 'notification.send', { userIds, phones, emails, template: n.template, params: n.params ?? {}, link: n.link ?? null });
}

/** An event for integrators (webhooks) and live dashboards (server-sent events). */
export async function publishEvent(tx: Sql, name: string, payload: Record<string, unknown> & { regionPath?: string | null }): Promise<void> {
  await enqueue(tx, `event.${name}`, payload);
}

/** publishEvent as part of a command's single statement (platform/statement.ts). */
export function publishEventPart(name: string, payload: Record<string, unknown>, first: number, src: RowSource & { payloadSql: string }): StatementPart {
  return enqueuePart(`event.${name}`, payload, first, src);
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function deliverNotification(db: Database, m: OutboxMessage): Promise<void> {
  const p = m.payload as { userIds: number[]; phones: string[]; emails: string[]; template: string; params: Record<string, unknown>; link: string | null };
  const text = render(p.template, p.params);
  if (p.userIds.length > 0) {
    await db.query(
      `INSERT INTO notification (outbox_id, user_id, template, params, title, body, link)
       SELECT $1, u.id, $3, $4, $5, $6, $7 FROM app_user u WHERE u.id = ANY($2::bigint[])
       ON CONFLICT (outbox_id, user_id) DO NOTHING`,
      [m.id, p.userIds, p.template, JSON.stringify(p.params), text.title, text.body, p.link],
    );
  }
  const rows: Array<[string, string, string | null]> = [
    ...p.phones.map((r): [string, string, string | null] => ['sms', r, null]),
    ...p.emails.map((r): [string, string, string | null] => ['email', r, text.title]),
  ];
  for (const [channel, recipient, subject] of rows) {
    await db.query(
      `INSERT INTO dev_mailbox (outbox_id, channel, recipient, subject, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (outbox_id, channel, recipient) DO NOTHING`,
      [m.id, channel, recipient, subject, `【共治】${text.body}`],
    );
  }
}

/**
 * The active webhook subscriptions, read at most every SUBSCRIPTIONS_TTL_MS: the relay asked for
 * them once per event, a third of its statements under intake load. A change through this process
 * clears them at once; one made on another node is seen within the TTL.
 */
export const SUBSCRIPTIONS_TTL_MS = 2_000;
let subscriptions: { at: number; rows: Array<{ id: number; topics: string[]; region_path: string | null; has_region: boolean }> } | null = null;
export function invalidateSubscriptions(): void {
  subscriptions = null;
}
async function activeSubscriptions(db: Database) {
  if (subscriptions && Date.now() - subscriptions.at < SUBSCRIPTIONS_TTL_MS) return subscriptions.rows;
  const r = await db.query<{ id: number; topics: string[]; region_path: string | null; has_region: boolean }>(
    `SELECT s.id, s.topics, r.path AS region_path, s.region_id IS NOT NULL AS has_region
       FROM webhook_subscription s LEFT JOIN region r ON r.id = s.region_id WHERE s.active ORDER BY s.id`,
  );
  subscriptions = { at: Date.now(), rows: r.rows };
  return r.rows;
}

async function fanOutEvent(db: Database, m: OutboxMessage): Promise<void> {
  const name = m.topic.slice('event.'.length);
  const regionPath = typeof m.payload.regionPath === 'string' ? m.payload.regionPath : null;
  // A subscription takes the topic itself, '*', or the topic's family ('case.*'); one limited to
  // a region takes events inside it.
  const family = `${name.split('.')[0]}.*`;
  const rows = (await activeSubscriptions(db)).filter(
    (s) => (s.topics.includes(name) || s.topics.includes('*') || s.topics.includes(family)) && (!s.has_region || (regionPath !== null && s.region_path !== null && regionPath.startsWith(s.region_path))),
  );
  const subs = { rows };
  if (subs.rows.length === 0) return;
  await db.tx(async (tx) => {
    for (const s of subs.rows) {
      // Idempotent on redelivery: the same event never makes two deliveries for one subscription.
      const exists = await tx.query(
        `SELECT 1 FROM outbox WHERE topic = 'webhook.deliver' AND (payload->>'eventId')::bigint = $1 AND (payload->>'subscriptionId')::bigint = $2`,
        [m.id, s.id],
      );
      if (exists.rows.length === 0) {
        await enqueue(tx, 'webhook.deliver', { eventId: m.id, subscriptionId: s.id, event: name, occurredAt: m.createdAt.toISOString(), data: m.payload });
      }
    }
  });
}

async function deliverWebhook(db: Database, m: OutboxMessage): Promise<void> {
  const p = m.payload as { eventId: number; subscriptionId: number; event: string; occurredAt: string; data: unknown };
  const s = (await db.query<{ url: string; secret: string; active: boolean }>('SELECT url, secret, active FROM webhook_subscription WHERE id = $1', [p.subscriptionId])).rows[0];
  if (!s || !s.active) return;
  const body = JSON.stringify({ id: p.eventId, event: p.event, occurredAt: p.occurredAt, data: p.data });
  const ts = String(Math.floor(Date.now() / 1000));
  let status = 0;
  let error: string | null = null;
  try {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gongzhi-event': p.event, 'x-gongzhi-delivery': String(m.id), 'x-gongzhi-timestamp': ts, 'x-gongzhi-signature': sign(s.secret, ts, body) },
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
    status = res.status;
    if (res.status < 200 || res.status >= 300) error = `receiver answered ${res.status}`;
  } catch (e) {
    error = (e as Error).message;
  }
  await db.query('UPDATE webhook_subscription SET last_delivery_at = now(), last_status = $2, last_error = $3 WHERE id = $1', [p.subscriptionId, status || null, error]);
  if (error) throw new Error(error);
}

export function outboxHandlers(db: Database): Record<string, OutboxHandler[]> {
  return {
    'notification.send': [(m) => deliverNotification(db, m)],
    'event.*': [(m) => fanOutEvent(db, m)],
    'webhook.deliver': [(m) => deliverWebhook(db, m)],
  };
}
