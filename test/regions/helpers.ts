/**
 * Test helpers of the regions suites: an app whose requests can act as a given actor (identity's
 * login is another module's business; these tests are about what regions does with an actor).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Actor, Grant, Role } from '../../src/platform/actor.js';
import type { Sql } from '../../src/platform/db.js';
import type { Database } from '../../src/platform/db.js';
import { testConfig } from '../helpers/app.js';

const TEST_ACTOR_HEADER = 'x-test-actor';

export async function buildRegionsApp(db: Database): Promise<FastifyInstance> {
  const app = await buildApp({ db, config: testConfig(), logger: false });
  app.addHook('preHandler', async (req) => {
    const h = req.headers[TEST_ACTOR_HEADER];
    if (typeof h === 'string') req.actor = JSON.parse(Buffer.from(h, 'base64').toString('utf8')) as Actor;
  });
  await app.ready();
  return app;
}

export async function grantOn(db: Sql, role: Role, code: string): Promise<Grant> {
  const { rows } = await db.query<{ id: number; path: string }>(`SELECT id, path FROM region WHERE code = $1 AND valid_to IS NULL`, [code]);
  const r = rows[0];
  if (!r) throw new Error(`no region ${code}`);
  return { role, regionId: r.id, regionCode: code, regionPath: r.path, departmentId: null };
}

export function userActor(grants: Grant[], id = 1): Actor {
  return { kind: 'user', id, name: `user${id}`, grants, sessionId: null };
}

/** Headers that make a request act as this actor. */
export function as(actor: Actor): Record<string, string> {
  return { [TEST_ACTOR_HEADER]: Buffer.from(JSON.stringify(actor)).toString('base64') };
}

export const count = async (db: Sql, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await db.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0);
