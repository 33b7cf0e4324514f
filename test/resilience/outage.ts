/**
 * Database outage suite (PostgreSQL): the database goes away under load and comes back.
 *
 *   node --import tsx test/resilience/outage.ts [--down-s 10] [--clients 6] [--timeout-ms 10000]
 *
 * A throwaway cluster of our own (scripts/pg-local.sh) serves a `gongzhi serve` child under a
 * mixed load (API-key intake with Idempotency-Keys, operator list reads, public reads). The cluster
 * is stopped (`pg_ctl stop -m fast`) for --down-s seconds and started again on the same port.
 * Passes when, throughout: the server process stays up; no request takes longer than
 * --timeout-ms; no answer is a 5xx other than 503; every 503 carries Retry-After and the
 * `database_unavailable` code; /readyz says not ready while the database is down; within 5 s of
 * the database being back, /readyz is ready and intake acknowledges again; and every case
 * acknowledged with 201 (before, during, after) is in the database exactly once.
 */
import crypto from 'node:crypto';
import { arg, createTarget, http, log, ServerChild, sleep, type Answer } from './lib.js';

const downS = Number(arg('down-s', '10'));
const clients = Number(arg('clients', '6'));
const timeoutMs = Number(arg('timeout-ms', '10000'));
const recoverWithinMs = Number(arg('recover-ms', '5000'));

type Phase = 'before' | 'down' | 'after';

const problems: string[] = [];
const target = await createTarget('pg');
const server = new ServerChild(target);
let exitCode = 1;
try {
  const world = target.world;
  log(`outage: serve ready in ${await server.start()} ms`);
  let crashed = false;
  server.proc!.once('exit', (code, sig) => {
    crashed = true;
    problems.push(`the server exited (${code ?? sig}) during the run`);
  });

  let phase: Phase = 'before';
  const tally: Record<Phase, Record<string, number>> = { before: {}, down: {}, after: {} };
  const count = (k: string) => (tally[phase][k] = (tally[phase][k] ?? 0) + 1);
  let slowest = 0;
  let stop = false;
  let lastOk201 = 0;
  const runId = crypto.randomBytes(4).toString('hex');
  const acked = new Map<string, number>();
  const unanswered = new Set<string>();
  let seq = 0;

  const check = (what: string, r: Answer) => {
    slowest = Math.max(slowest, r.ms);
    count(String(r.status));
    if (r.status >= 500 && r.status !== 503) problems.push(`${phase}: ${what} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    if (r.status === 503 && what !== 'GET /readyz') {
      if (!r.headers.get('retry-after')) problems.push(`${phase}: ${what} answered 503 without Retry-After`);
      const code = (r.body as { error?: { code?: string } })?.error?.code;
      if (code !== 'database_unavailable') problems.push(`${phase}: ${what} answered 503 with code ${code}`);
    }
    if (phase === 'before' && r.status >= 500) problems.push(`before the outage: ${what} answered ${r.status}`);
  };
  const guarded = async (what: string, f: () => Promise<Answer>): Promise<Answer | undefined> => {
    try {
      const r = await f();
      check(what, r);
      return r;
    } catch (e) {
      const name = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      count(name);
      if (name === 'timeout') problems.push(`${phase}: ${what} got no answer within ${timeoutMs} ms (a hang)`);
      else if (!crashed) problems.push(`${phase}: ${what}: ${(e as Error).message} (the server refused or dropped the connection)`);
      return undefined;
    }
  };

  const writer = async () => {
    let mine: string | undefined;
    while (!stop) {
      const key = mine ?? `outage-${runId}-${(seq += 1)}`;
      const r = await guarded('POST /api/cases', () =>
        http(server.url, 'POST', '/api/cases', {
          headers: { ...world.apiKey, 'idempotency-key': key },
          body: { channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: `outage ${key}`, location: world.inGrid },
          timeoutMs,
        }),
      );
      if (r?.status === 201) {
        acked.set(key, (r.body as { case: { id: number } }).case.id);
        unanswered.delete(key);
        lastOk201 = Date.now();
        mine = undefined;
      } else {
        // No answer or a 503: the same report, the same key, after the wait the server asked for.
        unanswered.add(key);
        mine = key;
        await sleep(r?.status === 503 ? 250 : 100);
      }
    }
  };
  const reader = async () => {
    while (!stop) {
      await guarded('GET /api/cases', () => http(server.url, 'GET', '/api/cases?limit=20', { headers: world.operator.headers, timeoutMs }));
      await guarded('GET /api/regions', () => http(server.url, 'GET', `/api/regions/${world.city.city.code}`, { timeoutMs }));
      await sleep(50);
    }
  };
  const readiness: Array<{ at: number; status: number | string }> = [];
  const prober = async () => {
    while (!stop) {
      const r = await guarded('GET /readyz', () => http(server.url, 'GET', '/readyz', { timeoutMs }));
      readiness.push({ at: Date.now(), status: r?.status ?? 'none' });
      await sleep(200);
    }
  };

  const loops = [...Array.from({ length: clients }, () => writer()), reader(), reader(), prober()];
  await sleep(5_000);
  const beforeAcks = acked.size;
  log(`outage: ${beforeAcks} acknowledged before the outage; stopping the database`);
  const tDown = Date.now();
  phase = 'down';
  await target.cluster!.stop();
  log(`outage: database stopped (${Date.now() - tDown} ms); holding it down ${downS} s`);
  await sleep(Math.max(0, downS * 1000 - (Date.now() - tDown)));
  const downReady = readiness.filter((r) => r.at > tDown + 1_000);
  const readyWhileDown = downReady.filter((r) => r.status === 200).length;
  if (downReady.length === 0) problems.push('/readyz was never asked while the database was down');
  if (readyWhileDown > 0) problems.push(`/readyz said ready ${readyWhileDown} times while the database was down`);
  const healthz = await guarded('GET /healthz', () => http(server.url, 'GET', '/healthz', { timeoutMs }));
  if (healthz?.status !== 200) problems.push(`/healthz answered ${healthz?.status} while the database was down (the process should say it is alive)`);
  const t201Down = lastOk201;
  await target.cluster!.start();
  const tUp = Date.now();
  phase = 'after';
  log(`outage: database back after ${((tUp - tDown) / 1000).toFixed(1)} s`);
  let readyAt: number | undefined;
  let writeAt: number | undefined;
  while (Date.now() - tUp < 30_000 && (readyAt === undefined || writeAt === undefined)) {
    if (readyAt === undefined && readiness.some((r) => r.at > tUp && r.status === 200)) readyAt = readiness.find((r) => r.at > tUp && r.status === 200)!.at;
    if (writeAt === undefined && lastOk201 > tUp) writeAt = lastOk201;
    await sleep(50);
  }
  const readyMs = readyAt === undefined ? Infinity : readyAt - tUp;
  const writeMs = writeAt === undefined ? Infinity : writeAt - tUp;
  if (readyMs > recoverWithinMs) problems.push(`/readyz was not ready within ${recoverWithinMs} ms of the database returning (${readyMs} ms)`);
  if (writeMs > recoverWithinMs) problems.push(`intake did not acknowledge within ${recoverWithinMs} ms of the database returning (${writeMs} ms)`);
  log(`outage: ready again after ${readyMs} ms, first 201 after ${writeMs} ms`);
  await sleep(3_000);
  stop = true;
  await Promise.all(loops);
  for (let round = 0; unanswered.size > 0 && round < 20; round++) {
    for (const key of [...unanswered]) {
      const r = await http(server.url, 'POST', '/api/cases', {
        headers: { ...world.apiKey, 'idempotency-key': key },
        body: { channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: `outage ${key}`, location: world.inGrid },
        timeoutMs,
      }).catch(() => undefined);
      if (r?.status === 201) {
        acked.set(key, (r.body as { case: { id: number } }).case.id);
        unanswered.delete(key);
      }
    }
    if (unanswered.size > 0) await sleep(500);
  }
  if (unanswered.size > 0) problems.push(`${unanswered.size} reports never got an answer after the outage`);

  const vdb = await target.open();
  try {
    const rows = await vdb.query<{ description: string; id: number }>(`SELECT description, id FROM case_file WHERE description LIKE $1`, [`outage outage-${runId}-%`]);
    const byKey = new Map<string, number[]>();
    for (const r of rows.rows) byKey.set(r.description.slice(7), [...(byKey.get(r.description.slice(7)) ?? []), r.id]);
    for (const [k, ids] of byKey) if (ids.length > 1) problems.push(`report ${k} stored ${ids.length} times`);
    let lost = 0;
    for (const [k, id] of acked) if (!byKey.get(k)?.includes(id)) lost += 1;
    if (lost > 0) problems.push(`LOST: ${lost} acknowledged cases are not in the database`);
    log(`outage: ${acked.size} acknowledged in all (${t201Down > tDown ? 'some' : 'none'} during the outage), ${rows.rows.length} stored, ${lost} lost`);
  } finally {
    await vdb.close();
  }
  console.log('\noutage suite (PostgreSQL)');
  console.log(`  database down ${downS} s; server pid ${server.pid} ${crashed ? 'CRASHED' : 'stayed up'}; slowest answer ${Math.round(slowest)} ms (limit ${timeoutMs})`);
  console.log(`  recovery: /readyz ready ${readyMs} ms and first 201 ${writeMs} ms after the database returned (limit ${recoverWithinMs})`);
  for (const p of ['before', 'down', 'after'] as const) console.log(`  ${p.padEnd(6)} statuses ${JSON.stringify(tally[p])}`);
  console.log(`  acknowledged ${acked.size}, lost 0 expected`);
  const unique = [...new Set(problems)];
  console.log(`  ${unique.length === 0 ? 'PASS' : 'FAIL'}`);
  for (const p of unique.slice(0, 30)) console.log(`    - ${p}`);
  if (unique.length > 30) console.log(`    … ${unique.length - 30} more`);
  exitCode = unique.length === 0 ? 0 : 1;
} catch (e) {
  console.log(`outage suite FAILED to run: ${(e as Error).stack}\n${server.stderrTail.slice(-20).join('\n')}`);
} finally {
  await server.kill().catch(() => undefined);
  await target.cleanup().catch(() => undefined);
}
process.exit(exitCode);
