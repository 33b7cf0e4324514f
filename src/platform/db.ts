/**
 * The one database client. Everything above this file sees a `Database`: PostgreSQL SQL with
 * positional parameters, and `tx()` for a transaction. Which engine is underneath (embedded
 * PGlite with PostGIS, or a PostgreSQL server through a `pg` pool) is decided here only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AppError } from './errors.js';
import { acquireDataDirLock, type DataDirLock } from './datadir-lock.js';
import { copyFromPg, copyFromPglite, type CopyRows, type PgliteCopyTarget } from './copy.js';
import { pgliteStatements } from './pglite-query.js';

export type { CopyRows, CopyValue } from './copy.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements separated by semicolons, no parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
}

export type Engine = 'pglite' | 'pg';

export interface Database extends Sql {
  readonly engine: Engine;
  /**
   * Run fn in one transaction: committed when fn resolves, rolled back when it throws. A nested
   * call on the transaction handle is not supported: commands compose by taking the `Sql` of the
   * transaction they are given.
   */
  tx<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Run fn on one connection held for its whole duration, outside any transaction: for what is
   * tied to a session, like an advisory lock and the statements that run under it. Keep it short,
   * it holds a pool connection; do not call db.tx or db.session from inside fn.
   */
  session<T>(fn: (s: Sql) => Promise<T>): Promise<T>;
  /**
   * COPY rows into table's columns (PostgreSQL's text format; copy.ts encodes the values) and
   * return how many were copied. `via`: the transaction (or session) handle to copy in, the
   * database itself or undefined for a COPY of its own (atomic on its own). Only handles this
   * database gave out work: a wrapper of one is refused. For bulk writes: a few round trips and no
   * SQL to parse per row, unlike a multi-row INSERT.
   */
  copyFrom(via: Sql | undefined, table: string, columns: readonly string[], rows: CopyRows): Promise<number>;
  close(): Promise<void>;
  /** PGlite only: the data directory as a tarball (for backup). */
  dumpDataDir?(): Promise<Blob>;
}

// int8 (count(*), bigserial ids) as a JS number, as PGlite does; numeric stays a string in both.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** Data folder for the embedded engine; its `pg/` holds the database. Undefined: in memory. */
  dataDir?: string | undefined;
  /** Start the embedded engine from a tarball made by dumpDataDir (tests, restore). */
  loadDataDir?: Blob | undefined;
  poolMax?: number;
  statementTimeoutMs?: number;
  /** Lock the data folder so that a second process gets a clear error. Default true with dataDir. */
  lock?: boolean;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPg(opts.databaseUrl, opts.poolMax ?? 20, opts.statementTimeoutMs ?? 30_000);
  return openPglite(opts);
}

/**
 * Statements whose text begins with this comment are prepared once per connection (named by a
 * hash of their text): PostgreSQL then parses them once and, after a few runs, may keep a generic
 * plan instead of planning each time. For hot statements (intake's); the same on PGlite
 * (pglite-query.ts).
 */
export const PREPARED = '/*prepared*/';
const preparedNames = new Map<string, string>();
/** The name a PREPARED statement is prepared under, on either engine (remembered: it is hashed once). */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    // The statements marked PREPARED are a handful of shapes; the bound only guards a misuse.
    if (preparedNames.size >= 1000) preparedNames.clear();
    name = `gz_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return name;
}

async function openPg(url: string, max: number, statementTimeoutMs: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // A database that is down must answer fast (a 503 the client can retry), not after a hang.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // The client-side bound for when the server cannot even cancel (a dead host, a cut link).
    query_timeout: statementTimeoutMs + 5_000,
    keepAlive: true,
    application_name: 'gongzhi',
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const wrap = (c: pg.Pool | pg.PoolClient): Sql => ({
    async query<R>(text: string, params?: readonly unknown[]) {
      const r = text.startsWith(PREPARED)
        ? await c.query({ name: preparedName(text), text, values: params as unknown[] | undefined })
        : await c.query(text, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(script: string) {
      await c.query(script);
    },
  });
  /**
   * A checked-out client has no 'error' listener of the pool's (pg-pool removes it on checkout),
   * and pg emits 'error' when the server goes away (a restart, `pg_ctl stop -m fast` terminates
   * every backend with 57P01, then the socket ends): unlistened, that event would kill the
   * process. Keep the error instead; the query in flight fails on its own, and the client is
   * destroyed on release rather than handed to the next request.
   */
  const checkout = async (): Promise<{ client: pg.PoolClient; release: (err?: unknown) => void }> => {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (e: Error) => {
      lost = e;
    };
    client.on('error', onError);
    return {
      client,
      release(err?: unknown) {
        client.removeListener('error', onError);
        const broken = err instanceof Error ? err : err !== undefined ? new Error(String(err)) : lost;
        client.release(broken);
      },
    };
  };
  const base = wrap(pool);
  // The client behind each transaction and session handle, for copyFrom (COPY needs the client).
  const clientOf = new WeakMap<Sql, pg.PoolClient>();
  const handle = (client: pg.PoolClient): Sql => {
    const s = wrap(client);
    clientOf.set(s, client);
    return s;
  };
  return {
    engine: 'pg',
    ...base,
    async tx<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      const { client, release } = await checkout();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const out = await fn(handle(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError;
        }
        throw e;
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it rather than reuse.
        release(broken instanceof Error ? broken : undefined);
      }
    },
    async session<T>(fn: (s: Sql) => Promise<T>): Promise<T> {
      const { client, release } = await checkout();
      let broken: Error | undefined;
      try {
        return await fn(handle(client));
      } catch (e) {
        // A session left inside a transaction or holding locks must not go back to the pool.
        broken = e instanceof Error ? e : new Error(String(e));
        throw e;
      } finally {
        release(broken);
      }
    },
    async copyFrom(via, table, columns, rows) {
      if (via !== undefined && via !== this && !clientOf.has(via)) throw new Error('copyFrom: not a handle of this database');
      const client = via === undefined ? undefined : clientOf.get(via);
      if (client) return copyFromPg(client, table, columns, rows);
      const own = await checkout();
      let broken: Error | undefined;
      try {
        return await copyFromPg(own.client, table, columns, rows);
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e));
        throw e;
      } finally {
        own.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { trimmedPostgis, pgliteStartParams } = await import('./pglite-postgis.js');
  let lock: DataDirLock | undefined;
  let dataDir: string | undefined;
  if (opts.dataDir) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    if (opts.lock !== false) lock = acquireDataDirLock(opts.dataDir);
    dataDir = path.join(opts.dataDir, 'pg');
  }
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      // Resident memory (docs/performance.md, "Server memory"): PostGIS without the raster and
      // topology side modules PGlite would otherwise compile and instantiate at start, and a
      // smaller buffer pool, which Emscripten zero-fills (so it is resident) at start.
      extensions: { postgis: trimmedPostgis(postgis), pg_trgm },
      startParams: pgliteStartParams(PGlite.defaultStartParams),
    });
  } catch (e) {
    lock?.release();
    throw e;
  }
  // PGlite is one connection: its mutexes run a transaction's statements without interleaving
  // other callers' (pglite-query.ts keeps them; tested in pglite-query.test.ts).
  type Q = { exec: (s: string) => Promise<unknown> };
  // Statements go through pglite-query.ts (one call into the engine each); exec keeps PGlite's.
  const statements = pgliteStatements(db, preparedName);
  const wrap = (c: Q, inTx: boolean): Sql => ({
    async query<R>(text: string, params?: readonly unknown[]) {
      const run = inTx ? statements.queryInTx : statements.query;
      const r = await run(text, params, text.startsWith(PREPARED));
      return { rows: r.rows as R[], rowCount: r.rowCount };
    },
    async exec(script: string) {
      await c.exec(script);
    },
  });
  const base = wrap(db as unknown as Q, false);
  // The PGlite transaction behind each handle, for copyFrom (COPY takes its data as a query option).
  const targetOf = new WeakMap<Sql, PgliteCopyTarget>();
  const handle = (t: unknown): Sql => {
    const s = wrap(t as Q, true);
    targetOf.set(s, t as PgliteCopyTarget);
    return s;
  };
  return {
    engine: 'pglite',
    ...base,
    async tx<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return db.transaction(async (t) => fn(handle(t)));
    },
    async session<T>(fn: (s: Sql) => Promise<T>): Promise<T> {
      // PGlite is one connection already; what a session needs is that no other caller's query
      // runs between fn's statements. Its transaction mutex gives that: end the transaction it
      // opens at once, let fn run as a plain session, and open an empty one for its COMMIT. (If
      // fn throws, PGlite's ROLLBACK ends whatever fn left open.)
      return db.transaction(async (t) => {
        await t.exec('COMMIT');
        const out = await fn(handle(t));
        await t.exec('BEGIN');
        return out;
      });
    },
    async copyFrom(via, table, columns, rows) {
      if (via !== undefined && via !== base && via !== this && !targetOf.has(via)) throw new Error('copyFrom: not a handle of this database');
      // Outside a transaction, PGlite's own query waits for an open one, like any statement.
      const target = (via === undefined ? undefined : targetOf.get(via)) ?? (db as unknown as PgliteCopyTarget);
      return copyFromPglite(target, table, columns, rows);
    },
    async close() {
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
    async dumpDataDir() {
      const out = await db.dumpDataDir('gzip');
      return out as Blob;
    },
  };
}

/** Map a low-level failure to the catalogue: an unreachable database is a 503, not a 500. */
export function databaseUnavailable(): AppError {
  return new AppError('database_unavailable', undefined, undefined, { 'retry-after': '5' });
}
