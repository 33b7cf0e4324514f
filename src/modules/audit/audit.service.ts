/**
 * The audit trail: every state-changing command calls recordAudit() in its own transaction.
 *
 * Tamper evidence without a global writer lock: records are written unsealed; the sealer (a
 * background loop in the server, and `gongzhi audit seal`) takes committed unsealed records in id
 * order under a transaction-scoped advisory lock, gives each the next chain position `seq`, and
 * sets hash = sha256(prev_hash + "\n" + canonical(record)). A record that commits late is simply
 * sealed later, at a later position. `verifyChain` recomputes every hash and checks that the
 * positions run 1..n without a gap and that each prev_hash is the previous record's hash, so an
 * edited, deleted or reordered sealed record is caught. Unsealed records (seconds old) are
 * reported as pending. Truncating the newest records is only caught against a head recorded
 * elsewhere: verify prints the head, and `--expect-head SEQ:HASH` checks it.
 */
import crypto from 'node:crypto';
import { actorLabel } from '../../platform/actor.js';
import type { TxCtx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { placeholder, type RowSource, type StatementPart } from '../../platform/statement.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  regionId?: number | null;
  before?: unknown;
  after?: unknown;
}

const GENESIS = '0'.repeat(64);
const SEAL_LOCK_KEY = 7_311_2024;

/** Fields that a record's diff never carries in clear. */
const SECRET_KEYS = /^(password|password_hash|secret|token|key_hash|id_card|id_card_enc)$/i;

function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(x);
    return o;
  }
  return v;
}

/** Keep only the keys whose value changed, so a record says what the command did. */
export function diff(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined): { before: unknown; after: unknown } {
  if (!before || !after) return { before: before ? redact(before) : null, after: after ? redact(after) : null };
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return { before: redact(b), after: redact(a) };
}

const AUDIT_COLS = 'at, actor_type, actor_id, actor_name, action, target_type, target_id, region_id, before, after, request_id, ip';

function auditValues(c: TxCtx, e: AuditEntry): unknown[] {
  const who = actorLabel(c.actor);
  return [
    c.now,
    who.type,
    who.id,
    who.name,
    e.action,
    e.targetType,
    e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
    e.regionId ?? null,
    e.before === undefined ? null : JSON.stringify(redact(e.before)),
    e.after === undefined ? null : JSON.stringify(redact(e.after)),
    c.requestId,
    c.ip,
  ];
}

export async function recordAudit(c: TxCtx, e: AuditEntry): Promise<void> {
  await c.tx.query(`INSERT INTO audit_record (${AUDIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, auditValues(c, e));
}

/**
 * recordAudit as part of a command's single statement: the record's target id is the SQL
 * expression `targetIdSql` over the statement's row source (e.g. `ins.id`), and `afterSql` (a jsonb
 * expression over it, e.g. `jsonb_build_object('publicId', ins.public_id)`) is merged over
 * e.after. The same row as recordAudit writes, in the same transaction.
 */
export function recordAuditPart(c: TxCtx, e: AuditEntry, first: number, src: RowSource & { targetIdSql: string; afterSql?: string }): StatementPart {
  const p = placeholder(first);
  // recordAudit's values without the target id (index 6), which the statement supplies.
  const values = auditValues(c, e);
  values.splice(6, 1);
  const after = src.afterSql ? `coalesce(${p(8)}::jsonb, '{}'::jsonb) || (${src.afterSql})` : p(8);
  const cols = [0, 1, 2, 3, 4, 5].map(p).concat([`(${src.targetIdSql})::text`, p(6), p(7), after, p(9), p(10)]);
  return { sql: `INSERT INTO audit_record (${AUDIT_COLS}) SELECT ${cols.join(', ')} FROM ${src.from}`, params: values };
}

interface Row {
  id: number;
  at_us: string;
  actor_type: string;
  actor_id: number | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  region_id: number | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

const SELECT_ROW = `SELECT id, ((extract(epoch FROM at) * 1000000)::bigint)::text AS at_us, actor_type, actor_id, actor_name, action,
  target_type, target_id, region_id, before, after, request_id, ip, seq, prev_hash, hash FROM audit_record`;

function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function recordHash(prevHash: string, r: Row, seq: number): string {
  const canonical = canonicalJson({
    id: r.id,
    seq,
    at_us: r.at_us,
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    actor_name: r.actor_name,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    region_id: r.region_id,
    before: r.before,
    after: r.after,
    request_id: r.request_id,
    ip: r.ip,
  });
  return crypto.createHash('sha256').update(`${prevHash}\n${canonical}`).digest('hex');
}

/** Seal committed unsealed records, oldest first; returns how many were sealed. */
export async function sealPending(db: Database, batch = 2000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.tx(async (tx) => sealBatch(tx, batch));
    total += n;
    if (n < batch) return total;
  }
}

async function sealBatch(tx: Sql, batch: number): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK_KEY]);
  const head = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_record WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1');
  let seq = head.rows[0]?.seq ?? 0;
  let prev = head.rows[0]?.hash ?? GENESIS;
  const { rows } = await tx.query<Row>(`${SELECT_ROW} WHERE seq IS NULL ORDER BY id LIMIT $1`, [batch]);
  if (rows.length === 0) return 0;
  const ids: number[] = [];
  const seqs: number[] = [];
  const prevs: string[] = [];
  const hashes: string[] = [];
  for (const r of rows) {
    seq += 1;
    const h = recordHash(prev, r, seq);
    ids.push(r.id);
    seqs.push(seq);
    prevs.push(prev);
    hashes.push(h);
    prev = h;
  }
  await tx.query(
    `UPDATE audit_record a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, sealed_at = now()
     FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev_hash, hash)
     WHERE a.id = v.id`,
    [ids, seqs, prevs, hashes],
  );
  return rows.length;
}

export interface VerifyResult {
  ok: boolean;
  sealed: number;
  pending: number;
  head: { seq: number; hash: string } | null;
  /** The first problem found, with the position it was found at. */
  problem: { seq: number; id: number | null; kind: 'hash_mismatch' | 'missing_record' | 'prev_hash_mismatch' | 'head_mismatch'; message: string } | null;
}

export async function verifyChain(db: Sql, opts: { expectHead?: { seq: number; hash: string } } = {}): Promise<VerifyResult> {
  const pending = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_record WHERE seq IS NULL')).rows[0]?.n ?? 0;
  let expectedSeq = 1;
  let prev = GENESIS;
  let lastId: number | null = null;
  const page = 5000;
  let sealed = 0;
  for (;;) {
    const { rows } = await db.query<Row>(`${SELECT_ROW} WHERE seq >= $1 ORDER BY seq LIMIT $2`, [expectedSeq, page]);
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) {
        return fail(sealed, pending, prev, expectedSeq - 1, {
          seq: expectedSeq,
          id: null,
          kind: 'missing_record',
          message: `audit record at position ${expectedSeq} is missing (the next one present is at ${seq}, id ${r.id})`,
        });
      }
      if (r.prev_hash !== prev) {
        return fail(sealed, pending, prev, seq - 1, {
          seq,
          id: r.id,
          kind: 'prev_hash_mismatch',
          message: `audit record at position ${seq} (id ${r.id}) does not follow the record before it: records were removed or reordered`,
        });
      }
      const h = recordHash(prev, r, seq);
      if (h !== r.hash) {
        return fail(sealed, pending, prev, seq - 1, {
          seq,
          id: r.id,
          kind: 'hash_mismatch',
          message: `audit record at position ${seq} (id ${r.id}) was changed after it was sealed`,
        });
      }
      prev = h;
      lastId = r.id;
      sealed += 1;
      expectedSeq += 1;
    }
    if (rows.length < page) break;
  }
  void lastId;
  const head = sealed > 0 ? { seq: sealed, hash: prev } : null;
  if (opts.expectHead) {
    const e = opts.expectHead;
    if (sealed < e.seq) {
      return fail(sealed, pending, prev, sealed, {
        seq: e.seq,
        id: null,
        kind: 'missing_record',
        message: `the chain ends at position ${sealed} but the recorded head is at ${e.seq}: the newest records were removed`,
      });
    }
    const at = (await db.query<{ hash: string }>('SELECT hash FROM audit_record WHERE seq = $1', [e.seq])).rows[0];
    if (!at || at.hash !== e.hash) {
      return fail(sealed, pending, prev, sealed, { seq: e.seq, id: null, kind: 'head_mismatch', message: `the record at position ${e.seq} does not have the recorded head hash` });
    }
  }
  return { ok: true, sealed, pending, head, problem: null };
}

function fail(sealed: number, pending: number, prev: string, seq: number, problem: NonNullable<VerifyResult['problem']>): VerifyResult {
  return { ok: false, sealed, pending, head: seq > 0 ? { seq, hash: prev } : null, problem };
}
