import type { Actor } from './actor.js';
import type { Database, Sql } from './db.js';

/** What a service or command knows about the request it serves. */
export interface Ctx {
  actor: Actor;
  now: Date;
  requestId: string;
  ip: string | null;
}

/** A command's context: the request plus the one transaction it runs in. */
export interface TxCtx extends Ctx {
  tx: Sql;
}

/** Run a command in one transaction: everything it writes, its audit record included, or nothing. */
export function inTx<T>(db: Database, ctx: Ctx, fn: (c: TxCtx) => Promise<T>): Promise<T> {
  return db.tx((tx) => fn({ ...ctx, tx }));
}

/** A read: SELECT, after any leading comments (a PREPARED mark). */
const READ = /^\s*(?:\/\*[^]*?\*\/\s*)*SELECT\b/i;

/**
 * Run a command whose writes are one SQL statement (data-modifying CTEs) without BEGIN and COMMIT
 * around it: a single statement is atomic on its own, and the two round trips it saves are a third
 * of a report's (docs/performance.md). Reads (statements starting with SELECT, after any
 * comments) before and after it go straight to the database; a second write is a programming
 * error and throws before it is sent, so a command that grows a second write is caught by its
 * tests, not by a half-written record.
 */
export function inOneWrite<T>(db: Database, ctx: Ctx, fn: (c: TxCtx) => Promise<T>): Promise<T> {
  let writes = 0;
  const tx: Sql = {
    query(text, params) {
      if (!READ.test(text) && ++writes > 1) {
        return Promise.reject(new Error(`inOneWrite: a second write (${text.trim().slice(0, 40)}…) needs inTx`));
      }
      return db.query(text, params);
    },
    exec() {
      return Promise.reject(new Error('inOneWrite: exec needs inTx'));
    },
  };
  return fn({ ...ctx, tx });
}

export function cliCtx(actor: Actor): Ctx {
  return { actor, now: new Date(), requestId: `cli-${process.pid}-${Date.now()}`, ip: null };
}
