/**
 * Start the server: open the database, migrate, build the app, listen, run background work, and
 * shut down gracefully on SIGTERM/SIGINT. Nothing else lives here.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { resolveSecret, type Config } from './platform/config.js';
import type { Database } from './platform/db.js';
import { startRelay, type OutboxHandler } from './platform/outbox.js';
import { MODULES } from './modules/registry.js';
import type { AppDeps } from './modules/types.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Listen with an already opened and migrated database. */
export async function startServer(db: Database, config: Config): Promise<RunningServer> {
  const demo = config.demo || (await isDemo(db));
  const cfg = { ...config, demo, secret: resolveSecret(config) };
  const app = await buildApp({ db, config: cfg });
  const deps: AppDeps = { db, config: cfg, now: () => new Date() };
  for (const m of MODULES) if (m.onReady) await m.onReady(deps);
  const stops: Array<() => Promise<void>> = [];
  for (const m of MODULES) {
    if (m.background) stops.push(m.background(deps, (msg, err) => app.log.error({ err, module: m.name }, msg)));
  }
  const handlers: Record<string, OutboxHandler[]> = {};
  for (const m of MODULES) {
    for (const [topic, hs] of Object.entries(m.outboxHandlers?.(deps) ?? {})) (handlers[topic] ??= []).push(...hs);
  }
  stops.push(startRelay(db, handlers, (msg, err) => app.log.error({ err }, msg)));
  const address = await app.listen({ port: config.port, host: config.host });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      app.log.info('shutting down');
      await app.close();
      for (const s of stops) await s();
      await db.close();
    })());
  return { app, url: address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost'), stop };
}

async function isDemo(db: Database): Promise<boolean> {
  const r = await db.query<{ value: unknown }>(`SELECT value FROM app_meta WHERE key = 'demo_seeded'`);
  return r.rows.length > 0;
}

/** SIGTERM/SIGINT: stop taking requests, finish those in flight, close the database, exit. */
export function stopOnSignals(server: RunningServer): void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(130);
    server.app.log.info({ signal: sig }, 'signal received');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (e) => {
        server.app.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
