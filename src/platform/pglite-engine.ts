/**
 * The embedded engine in a worker thread. PGlite runs PostgreSQL compiled to WebAssembly on the
 * thread that calls it: in the server's main thread, every statement's engine time (about half a
 * report's CPU) would stop every other request, and only one of the machine's cores would work.
 * Here it has a thread of its own. This side does what the main thread asks, one request at a
 * time, in the order asked; all locking (transactions, sessions) is the main thread's
 * (pglite-client.ts), so this side never holds anything across requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { postgis } from '@electric-sql/pglite-postgis';
import { pgliteStartParams, trimmedPostgis } from './pglite-postgis.js';
import { pgliteStatements } from './pglite-query.js';

export interface EngineOpen {
  dataDir?: string | undefined;
  loadDataDir?: ArrayBuffer | undefined;
}

export type EngineRequest =
  | { id: number; op: 'query'; text: string; params: readonly unknown[] | undefined; prepared: boolean }
  | { id: number; op: 'exec'; script: string }
  | { id: number; op: 'copy'; text: string; data: ArrayBuffer }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

/** An error as it crosses the thread: its message and PostgreSQL's fields (code, detail, …). */
export interface EngineError {
  message: string;
  fields: Record<string, string | number>;
}

export type EngineReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: EngineError };

export type EngineHello = { ready: true } | { ready: false; error: EngineError };

export function toEngineError(e: unknown): EngineError {
  if (!(e instanceof Error)) return { message: String(e), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k !== 'query' && (typeof v === 'string' || typeof v === 'number')) fields[k] = v;
  }
  return { message: e.message, fields };
}

async function main(): Promise<void> {
  const port = parentPort!;
  const open = workerData as EngineOpen;
  let db: PGlite;
  try {
    db = await PGlite.create({
      ...(open.dataDir ? { dataDir: open.dataDir } : {}),
      ...(open.loadDataDir ? { loadDataDir: new Blob([open.loadDataDir]) } : {}),
      // Resident memory (docs/performance.md, "Server memory"): PostGIS without the raster and
      // topology side modules PGlite would otherwise compile and instantiate at start, and a
      // smaller buffer pool, which Emscripten zero-fills (so it is resident) at start.
      extensions: { postgis: trimmedPostgis(postgis), pg_trgm },
      startParams: pgliteStartParams(PGlite.defaultStartParams),
    });
  } catch (e) {
    port.postMessage({ ready: false, error: toEngineError(e) } satisfies EngineHello);
    return;
  }
  const statements = pgliteStatements(db);

  const handle = async (r: EngineRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> => {
    switch (r.op) {
      case 'query':
        // The main thread keeps other callers out of a transaction; here nothing else runs.
        return { result: await statements.query(r.text, r.params, r.prepared) };
      case 'exec':
        await db.exec(r.script);
        return { result: null };
      case 'copy': {
        const out = await db.query(r.text, [], { blob: new Blob([r.data]) });
        return { result: { affectedRows: out.affectedRows ?? 0 } };
      }
      case 'dump': {
        const blob = (await db.dumpDataDir('gzip')) as Blob;
        const bytes = await blob.arrayBuffer();
        return { result: bytes, transfer: [bytes] };
      }
      case 'close':
        await db.close();
        return { result: null };
    }
  };

  // One request at a time, in arrival order: a chain, so that an await inside one request never
  // lets the next one start.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (r: EngineRequest) => {
    chain = chain.then(async () => {
      try {
        const { result, transfer } = await handle(r);
        port.postMessage({ id: r.id, ok: true, result } satisfies EngineReply, transfer ?? []);
      } catch (e) {
        port.postMessage({ id: r.id, ok: false, error: toEngineError(e) } satisfies EngineReply);
      }
      if (r.op === 'close') port.close();
    });
  });
  port.postMessage({ ready: true } satisfies EngineHello);
}

await main();
