/**
 * The e2e server: a real gongzhi app on a free port, in-process, on an embedded database seeded
 * with a small city through the modules' own seed functions (西山区 and 五华区 of the demo city,
 * the demo departments and users, the case taxonomy and routing rules), in demo mode so the login
 * page lists the demo users. Not the full Kunming seed: that takes minutes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { TestProject } from 'vitest/node';
import { buildApp } from '../../src/app.js';
import { MODULES } from '../../src/modules/registry.js';
import { seedDemoSmall } from '../../src/modules/regions/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { loadConfig } from '../../src/platform/config.js';
import type { Ctx } from '../../src/platform/context.js';
import { openDatabase, type Database } from '../../src/platform/db.js';
import prepareTemplate from '../helpers/global-setup.js';

export const E2E_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';
export const CITY = '530100000000';
export const XISHAN = '530112000000';
export const WUHUA = '530102000000';

export interface E2eServer {
  url: string;
  db: Database;
  app: FastifyInstance;
  stop(): Promise<void>;
}

async function migratedDatabase(): Promise<Database> {
  let template = '';
  await prepareTemplate({ provide: (_k: string, v: string) => (template = v) } as unknown as TestProject);
  return openDatabase({ loadDataDir: new Blob([fs.readFileSync(template)]) });
}

export async function startE2eServer(log: (m: string) => void = () => {}): Promise<E2eServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-e2e-'));
  const db = await migratedDatabase();
  const ctx: Ctx = { actor: systemActor('e2e-seed'), now: new Date(), requestId: 'e2e-seed', ip: null };
  await seedDemoSmall(db, ctx, log, ['530112', '530102']);
  // Only what the journeys use: the demo users and departments, the taxonomy and routing rules;
  // no demo case history (the journeys make their own cases, and it would cost the start ~45 s).
  process.env.GONGZHI_DEMO_CASES ??= '0';
  for (const m of MODULES) if ((m.name === 'identity' || m.name === 'cases') && m.seedDemo) await m.seedDemo(db, ctx, log);
  // The journeys log in ~40 times within two minutes from one address: more than the default 30/min.
  const config = loadConfig({ LOG_LEVEL: 'silent', GONGZHI_LOGIN_RATE_LIMIT: '1000' }, { secret: E2E_SECRET, demo: true, dataDir, port: 0 });
  const app = await buildApp({ db, config, logger: false });
  const deps = { db, config, now: () => new Date() };
  // onReady work (the locate index) but never the web build: global-setup built web/dist already.
  for (const m of MODULES) if (m.onReady && m.name !== 'web') await m.onReady(deps);
  // Background work as in server.ts: the KPI fold, the SLA scheduler, the outbox relay (live events).
  const stops: Array<() => Promise<void>> = [];
  for (const m of MODULES) if (m.background) stops.push(m.background(deps, (msg, err) => log(`${m.name}: ${msg} ${String(err ?? '')}`)));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    db,
    app,
    async stop() {
      await app.close();
      for (const s of stops) await s();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
