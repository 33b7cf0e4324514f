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

export function cliCtx(actor: Actor): Ctx {
  return { actor, now: new Date(), requestId: `cli-${process.pid}-${Date.now()}`, ip: null };
}
