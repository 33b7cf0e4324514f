import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ROLES, systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { DEMO_PASSWORD, DEMO_USERS, manifest } from '../../src/modules/identity/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity } from '../helpers/fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;

async function addXishan(): Promise<void> {
  // The demo puts users in 西山区's first street/community/grid; the mini city lacks 西山区.
  const cityRow = (await t.db.query<{ id: number; path: string }>(`SELECT id, path FROM region WHERE code = '530100000000'`)).rows[0]!;
  let parent = cityRow;
  for (const [code, name, level] of [
    ['530112000000', '西山区', 'district'],
    ['530112001000', '金碧街道', 'street'],
    ['530112001001', '某社区', 'community'],
    ['530112001001001', '某社区第1网格', 'grid'],
  ] as const) {
    const r = await t.db.query<{ id: number }>(`INSERT INTO region (code, name, level, parent_id, path, depth) VALUES ($1, $2, $3, $4, '', 0) RETURNING id`, [code, name, level, parent.id]);
    const path = `${parent.path}${r.rows[0]!.id}/`;
    await t.db.query('UPDATE region SET path = $1 WHERE id = $2', [path, r.rows[0]!.id]);
    parent = { id: r.rows[0]!.id, path };
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  await createMiniCity(t.db, '5301');
  await addXishan();
  app = await buildTestApp(t.db);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('demo seed', () => {
  it('creates departments and one demo user per role (four operator levels), idempotently', async () => {
    const logs: string[] = [];
    await manifest.seedDemo!(t.db, cliCtx(systemActor('seed')), (m) => logs.push(m));
    await manifest.seedDemo!(t.db, cliCtx(systemActor('seed')), (m) => logs.push(m));
    expect(logs.join('\n')).not.toContain(DEMO_PASSWORD);
    const users = await t.db.query<{ phone: string; role: string; level: string; dept: string | null }>(
      `SELECT u.phone, g.role, r.level, d.code AS dept FROM app_user u JOIN role_grant g ON g.user_id = u.id JOIN region r ON r.id = g.region_id
         LEFT JOIN department d ON d.id = g.department_id WHERE u.phone LIKE '138000000%' ORDER BY u.phone`,
    );
    expect(users.rows).toHaveLength(DEMO_USERS.length);
    expect(new Set(users.rows.map((u) => u.role))).toEqual(new Set(ROLES));
    expect(users.rows.filter((u) => u.role === 'operator').map((u) => u.level)).toEqual(['city', 'district', 'street', 'community']);
    expect(users.rows.find((u) => u.role === 'grid_worker')!.level).toBe('grid');
    expect(users.rows.find((u) => u.role === 'handler')!.dept).toBe('XS-CGJ');
    const depts = await t.db.query<{ code: string }>(`SELECT code FROM department`);
    expect(depts.rows.length).toBeGreaterThanOrEqual(12);
    expect(logs.join('\n')).toMatch(/skipped: region 530111000000/);
  });

  it('the demo admin logs in with the documented password', async () => {
    const admin = DEMO_USERS.find((u) => u.role === 'admin')!;
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: admin.phone, password: DEMO_PASSWORD } });
    expect(r.statusCode).toBe(200);
    expect(r.json().grants[0]).toMatchObject({ role: 'admin', regionCode: '530100000000' });
  });
});
