/**
 * The embedded engine as the rest of the server sees it: a `Database` whose statements run in
 * PGlite on a worker thread (pglite-engine.ts), so that the engine's work and the requests' own
 * work use two cores, and a slow statement does not stop the server's event loop.
 *
 * PGlite is one connection. What the main thread guarantees, as PGlite's own mutexes did:
 * - a transaction or session has the connection to itself from its first statement to its last:
 *   it takes the lock exclusively;
 * - statements outside any transaction share the lock, so several can be on their way to the
 *   engine at once (it runs them one after another) but never inside someone's transaction;
 * - the lock is fair: a transaction waiting for it is not overtaken by statements that came later.
 */
import { Worker } from 'node:worker_threads';
import { copyFromPglite, type CopyRows, type PgliteCopyTarget } from './copy.js';
import type { Database, QueryResult, Sql } from './db.js';
import { PREPARED } from './db.js';
import type { EngineHello, EngineOpen, EngineReply, EngineRequest, EngineError } from './pglite-engine.js';

type Request = EngineRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** A fair shared/exclusive lock: waiters are served in arrival order. */
export class FairLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; go: () => void }[] = [];

  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.release(exclusive);
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.free(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ exclusive, go }));
  }

  private free(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared--;
    while (this.waiting.length > 0 && this.free(this.waiting[0]!.exclusive)) {
      const next = this.waiting.shift()!;
      this.take(next.exclusive);
      next.go();
    }
  }
}

/** An error from the engine thread, with PostgreSQL's fields (code, detail, constraint, …). */
function fromEngineError(e: EngineError): Error {
  const err = new Error(e.message);
  Object.assign(err, e.fields);
  return err;
}

export interface PgliteWorkerOptions {
  /** The engine's data folder (its `pg/`), or undefined for memory. */
  dataDir?: string | undefined;
  loadDataDir?: Blob | undefined;
  /** Called once the engine has closed (to release the data folder's lock). */
  onClose?: () => void;
}

export async function openPgliteWorker(opts: PgliteWorkerOptions): Promise<Database> {
  const open: EngineOpen = {
    dataDir: opts.dataDir,
    loadDataDir: opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : undefined,
  };
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: open, transferList: open.loadDataDir ? [open.loadDataDir] : [] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  let stopped: Error | undefined;

  // The worker keeps the process alive only while a request is on its way: a CLI that forgets
  // nothing still exits when its work is done, and never exits under an unanswered statement.
  worker.unref();
  const send = <T>(r: Request, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      // A value the thread cannot receive (a function, a symbol) fails here, before anything is sent.
      worker.postMessage({ ...r, id } as EngineRequest, transfer);
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  };

  await new Promise<void>((resolve, reject) => {
    const onHello = (m: EngineHello) => {
      worker.off('error', onError);
      if (m.ready) resolve();
      else reject(fromEngineError(m.error));
    };
    const onError = (e: Error) => {
      worker.off('message', onHello);
      reject(e);
    };
    worker.ref();
    worker.once('message', onHello);
    worker.once('error', onError);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  worker.unref();

  worker.on('message', (m: EngineReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(fromEngineError(m.error));
  });
  const fail = (e: Error) => {
    stopped = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('error', (e) => fail(e));
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`the embedded database stopped (its thread exited with code ${code})`));
  });

  const lock = new FairLock();
  const query = async <R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const r = await send<{ rows: R[]; rowCount: number }>({ op: 'query', text, params, prepared: text.startsWith(PREPARED) });
    return { rows: r.rows, rowCount: r.rowCount };
  };
  const exec = async (script: string): Promise<void> => {
    await send({ op: 'exec', script });
  };
  const copyTarget: PgliteCopyTarget = {
    async query(text, _params, options) {
      const data = await options.blob.arrayBuffer();
      return send<{ affectedRows: number }>({ op: 'copy', text, data }, [data]);
    },
  };

  /** The handle a transaction or session gets: straight to the engine, refused once it ended. */
  const handle = () => {
    let open = true;
    const live = () => {
      if (!open) throw new Error('this transaction has ended: use the handle only inside its callback');
    };
    const sql: Sql = {
      async query<R>(text: string, params?: readonly unknown[]) {
        live();
        return query<R>(text, params);
      },
      async exec(script: string) {
        live();
        return exec(script);
      },
    };
    return { sql, end: () => (open = false) };
  };
  const handles = new WeakSet<Sql>();

  const db: Database = {
    engine: 'pglite',
    query: (text, params) => lock.run(false, () => query(text, params)),
    exec: (script) => lock.run(false, () => exec(script)),
    tx: (fn) =>
      lock.run(true, async () => {
        const h = handle();
        handles.add(h.sql);
        await exec('BEGIN');
        try {
          const out = await fn(h.sql);
          await exec('COMMIT');
          return out;
        } catch (e) {
          await exec('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          h.end();
        }
      }),
    session: (fn) =>
      lock.run(true, async () => {
        const h = handle();
        handles.add(h.sql);
        try {
          return await fn(h.sql);
        } catch (e) {
          // Whatever fn left open ends here (a ROLLBACK outside a transaction is only a warning).
          await exec('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          h.end();
        }
      }),
    async copyFrom(via: Sql | undefined, table: string, columns: readonly string[], rows: CopyRows) {
      if (via === undefined || via === db) return lock.run(false, () => copyFromPglite(copyTarget, table, columns, rows));
      if (!handles.has(via)) throw new Error('copyFrom: not a handle of this database');
      return copyFromPglite(copyTarget, table, columns, rows);
    },
    async close() {
      if (closed) return;
      try {
        // An engine that already stopped has nothing left to close.
        if (!stopped)
          await lock.run(true, () => {
            closed = true;
            return send({ op: 'close' });
          });
      } finally {
        closed = true;
        await worker.terminate();
        opts.onClose?.();
      }
    },
    async dumpDataDir() {
      const bytes = await lock.run(true, () => send<ArrayBuffer>({ op: 'dump' }));
      return new Blob([bytes], { type: 'application/x-gzip' });
    },
  };
  return db;
}
