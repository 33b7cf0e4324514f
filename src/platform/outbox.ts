/**
 * The transactional outbox. A command enqueues a message in its own transaction; after commit the
 * relay delivers it at least once. Delivery never runs inside a database transaction (a webhook
 * may take seconds): the relay first claims a batch with a lease (FOR UPDATE SKIP LOCKED, so
 * several server instances share the work), commits, delivers, then marks each message delivered
 * or schedules a retry with exponential backoff. A server killed mid-delivery leaves the lease
 * to expire and the message is delivered again: handlers must be idempotent (key: message id).
 */
import type { Database, Sql } from './db.js';
import { placeholder, type RowSource, type StatementPart } from './statement.js';

export interface OutboxMessage {
  id: number;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export type OutboxHandler = (m: OutboxMessage) => Promise<void>;

export async function enqueue(tx: Sql, topic: string, payload: Record<string, unknown>, opts: { delayMs?: number } = {}): Promise<void> {
  await tx.query(
    `INSERT INTO outbox (topic, payload, available_at) VALUES ($1, $2, now() + ($3::int * interval '1 millisecond'))`,
    [topic, JSON.stringify(payload), opts.delayMs ?? 0],
  );
}

/**
 * enqueue as part of a command's single statement (platform/statement.ts): `payloadSql`, a jsonb
 * expression over the statement's row source, is merged over `payload`.
 */
export function enqueuePart(topic: string, payload: Record<string, unknown>, first: number, src: RowSource & { payloadSql: string }): StatementPart {
  const p = placeholder(first);
  return {
    sql: `INSERT INTO outbox (topic, payload, available_at) SELECT ${p(0)}, ${p(1)}::jsonb || (${src.payloadSql}), now() FROM ${src.from}`,
    params: [topic, JSON.stringify(payload)],
  };
}

export interface RelayOptions {
  batch?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs?: number;
}

/**
 * Find the handlers for a topic: exact match, then prefix patterns ending in '*'
 * ('case.*' matches 'case.accepted'). Every matching handler runs; all must succeed.
 */
export function handlersFor(handlers: Record<string, OutboxHandler[]>, topic: string): OutboxHandler[] {
  const out: OutboxHandler[] = [];
  for (const [pattern, hs] of Object.entries(handlers)) {
    if (pattern === topic || (pattern.endsWith('*') && topic.startsWith(pattern.slice(0, -1)))) out.push(...hs);
  }
  return out;
}

/** Deliver one batch; returns how many messages were claimed. */
export async function relayOnce(db: Database, handlers: Record<string, OutboxHandler[]>, opts: RelayOptions = {}): Promise<number> {
  const batch = opts.batch ?? 50;
  const leaseMs = opts.leaseMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 10;
  const backoffMs = opts.backoffMs ?? 2_000;
  const claimed = await db.tx(async (tx) => {
    const r = await tx.query<{ id: number; topic: string; payload: Record<string, unknown>; attempts: number; created_at: Date }>(
      `UPDATE outbox o SET available_at = now() + ($2::int * interval '1 millisecond'), attempts = o.attempts + 1
        WHERE o.id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= now() AND attempts < $3
                        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.topic, o.payload, o.attempts, o.created_at`,
      [batch, leaseMs, maxAttempts],
    );
    return r.rows;
  });
  // Delivered messages are marked in one statement after the batch (a statement per message was
  // a third of the relay's work under intake load). Delivery stays at least once: a crash before
  // the mark redelivers the batch's messages when their lease ends, and handlers are idempotent.
  const delivered: number[] = [];
  for (const row of claimed.sort((a, b) => a.id - b.id)) {
    const m: OutboxMessage = { id: row.id, topic: row.topic, payload: row.payload, attempts: row.attempts, createdAt: row.created_at };
    try {
      for (const h of handlersFor(handlers, m.topic)) await h(m);
      delivered.push(m.id);
    } catch (e) {
      const delay = Math.min(backoffMs * 2 ** (m.attempts - 1), 3_600_000);
      await db.query(`UPDATE outbox SET last_error = $2, available_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1`, [
        m.id,
        String((e as Error).message ?? e).slice(0, 1000),
        delay,
      ]);
    }
  }
  if (delivered.length > 0) await db.query('UPDATE outbox SET delivered_at = now(), last_error = NULL WHERE id = ANY ($1::bigint[])', [delivered]);
  return claimed.length;
}

/** The relay loop of a running server. Returns a stop function that waits for the current batch. */
export function startRelay(db: Database, handlers: Record<string, OutboxHandler[]>, log: (msg: string, err?: unknown) => void, intervalMs = 500): () => Promise<void> {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  // One pass at a time: when the database hangs rather than refusing, a pass can outlast the
  // interval, and overlapping passes would pile up connections waiting on it.
  let busy = false;
  const tick = async () => {
    while (!stopped) {
      const n = await relayOnce(db, handlers).catch((e) => {
        log('outbox relay failed; will retry', e);
        return 0;
      });
      if (n === 0) break;
    }
  };
  const timer = setInterval(() => {
    if (stopped || busy) return;
    busy = true;
    current = tick().finally(() => {
      busy = false;
    });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
