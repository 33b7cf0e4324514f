/**
 * Start the server: open the database, migrate, build the app, listen, run background work, and
 * shut down gracefully on SIGTERM/SIGINT. Nothing else lives here.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { resolveSecret, type Config } from './platform/config.js';
import type { Database } from './platform/db.js';
import { isDatabaseUnavailable } from './platform/errors.js';
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
    // While the database is down every loop fails on each tick: one line, not a stack per second.
    if (m.background) stops.push(m.background(deps, (msg, err) => logLoopFailure(app, m.name, msg, err)));
  }
  const handlers: Record<string, OutboxHandler[]> = {};
  for (const m of MODULES) {
    for (const [topic, hs] of Object.entries(m.outboxHandlers?.(deps) ?? {})) (handlers[topic] ??= []).push(...hs);
  }
  stops.push(startRelay(db, handlers, (msg, err) => logLoopFailure(app, 'outbox', msg, err)));
  const address = await app.listen({ port: config.port, host: config.host });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      app.log.info('shutting down');
      await app.close();
      // Each loop stops even when another one's last pass fails (the database may be gone).
      for (const s of stops) await s().catch((e: unknown) => app.log.error({ err: e }, 'a background loop did not stop cleanly'));
      await db.close();
    })());
  return { app, url: address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost'), stop };
}

function logLoopFailure(app: FastifyInstance, module: string, msg: string, err: unknown): void {
  if (isDatabaseUnavailable(err)) app.log.warn({ module, err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, `${msg} (database unavailable)`);
  else app.log.error({ err, module }, msg);
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
  guardProcess(server);
}

/**
 * A server must outlive its database: a promise rejected with a connection error, or an 'error'
 * event of a database socket that nobody listened to, is logged and the server keeps serving
 * (requests answer 503 until the database is back). Anything else thrown outside a request leaves
 * the process in an unknown state: log it and exit, for the supervisor to restart us.
 */
export function guardProcess(server: RunningServer): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      server.app.log.warn({ err: reason }, 'database unavailable (unhandled rejection); still serving');
      return;
    }
    // Not fatal by itself (a promise nobody awaited): logged loudly so it gets fixed.
    server.app.log.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err) => {
    if (isDatabaseUnavailable(err)) {
      server.app.log.warn({ err }, 'database connection lost outside a request; still serving');
      return;
    }
    server.app.log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
