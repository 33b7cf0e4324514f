import type { Sql } from '../../platform/db.js';

export interface NotificationRow {
  id: number;
  template: string;
  params: Record<string, unknown>;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export async function listForUser(db: Sql, userId: number, opts: { unreadOnly: boolean; before?: number; limit: number }): Promise<NotificationRow[]> {
  const r = await db.query<NotificationRow>(
    `SELECT id, template, params, title, body, link, created_at AS "createdAt", read_at AS "readAt"
       FROM notification WHERE user_id = $1 AND ($2::boolean = false OR read_at IS NULL) AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [userId, opts.unreadOnly, opts.before ?? null, opts.limit],
  );
  return r.rows;
}

export async function countUnread(db: Sql, userId: number): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification WHERE user_id = $1 AND read_at IS NULL', [userId]);
  return r.rows[0]?.n ?? 0;
}

/** Marks one of the user's notifications read; false when it is not theirs (or missing). */
export async function markRead(db: Sql, userId: number, id: number, at: Date): Promise<boolean> {
  const r = await db.query('UPDATE notification SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2', [id, userId, at]);
  return r.rowCount > 0;
}

export async function listMailbox(db: Sql, limit: number): Promise<unknown[]> {
  const r = await db.query(
    `SELECT id, channel, recipient, subject, body, created_at AS "createdAt" FROM dev_mailbox ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return r.rows;
}

export interface WebhookRow {
  id: number;
  name: string;
  url: string;
  topics: string[];
  regionId: number | null;
  active: boolean;
  lastDeliveryAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
}

const WEBHOOK_COLUMNS = `s.id, s.name, s.url, s.topics, s.region_id AS "regionId", s.active, s.last_delivery_at AS "lastDeliveryAt",
  s.last_status AS "lastStatus", s.last_error AS "lastError"`;

/** Webhooks visible to an actor: city-wide ones only to root-scoped admins, others by region path. */
export async function listWebhooks(db: Sql, scope: { likePatterns: string[] | null; root: boolean }): Promise<WebhookRow[]> {
  const r = await db.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscription s LEFT JOIN region r ON r.id = s.region_id
      WHERE $1::text[] IS NULL OR (s.region_id IS NULL AND $2::boolean) OR r.path LIKE ANY ($1::text[])
      ORDER BY s.id`,
    [scope.likePatterns, scope.root],
  );
  return r.rows;
}

export async function insertWebhook(tx: Sql, w: { name: string; url: string; secret: string; topics: string[]; regionId: number | null; createdBy: number | null }): Promise<WebhookRow> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO webhook_subscription (name, url, secret, topics, region_id, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [w.name, w.url, w.secret, w.topics, w.regionId, w.createdBy],
  );
  const row = await tx.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscription s WHERE s.id = $1`, [r.rows[0]!.id]);
  return row.rows[0]!;
}

export async function deactivateWebhook(tx: Sql, id: number): Promise<void> {
  await tx.query('UPDATE webhook_subscription SET active = false WHERE id = $1', [id]);
}

export interface EventRow {
  id: number;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Events after `afterId` whose region lies in one of the path prefixes (null = everything).
 * Read from the outbox table itself, so every server instance sees every event.
 */
export async function eventsSince(db: Sql, afterId: number, likePatterns: string[] | null, limit = 200): Promise<EventRow[]> {
  const r = await db.query<EventRow>(
    `SELECT id, topic, payload, created_at AS "createdAt" FROM outbox
      WHERE id > $1 AND topic LIKE 'event.%'
        AND ($2::text[] IS NULL OR (payload->>'regionPath') LIKE ANY ($2::text[]))
      ORDER BY id LIMIT $3`,
    [afterId, likePatterns, limit],
  );
  return r.rows;
}

export async function latestEventId(db: Sql): Promise<number> {
  const r = await db.query<{ id: number | null }>(`SELECT max(id) AS id FROM outbox`);
  return r.rows[0]?.id ?? 0;
}
