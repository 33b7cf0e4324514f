/**
 * Crash suite: nothing acknowledged is ever lost, nothing is written twice.
 *
 *   node --import tsx test/resilience/crash.ts [--engine pglite|pg|both] [--kills 10] [--clients 8] [--short]
 *
 * Writers post cases through the API key as fast as they can, each with its own Idempotency-Key;
 * the server is SIGKILLed at random moments and started again (embedded: the new process takes
 * the data-folder lock over from the dead pid). A request that got no answer is retried with the
 * same key until it gets one. Then, with the server stopped: every case acknowledged with 201
 * exists exactly once with its `reported` timeline event and its `case.report` audit record; no
 * report is in the database twice; `gongzhi audit verify` passes. Exit code 1 on any failure.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { arg, cli, createTarget, flag, http, log, ServerChild, sleep, type EngineName } from './lib.js';

const short = flag('short');
const kills = Number(arg('kills', short ? '3' : '10'));
const clients = Number(arg('clients', '8'));
const engineArg = arg('engine', 'both')!;
const engines: EngineName[] = engineArg === 'both' ? ['pglite', 'pg'] : [engineArg as EngineName];
// A kill comes at a random moment once the restarted server has acknowledged a few writes (so
// that writes are in flight; on a loaded machine a fixed delay could fall before the first one).
const minAcksBetween = Number(arg('min-acks', '10'));
const maxJitterMs = Number(arg('jitter-ms', '2000'));

interface Outcome {
  engine: EngineName;
  ok: boolean;
  acknowledged: number;
  retried: number;
  replayed: number;
  restartsMs: number[];
  problems: string[];
}

async function crashRun(engine: EngineName): Promise<Outcome> {
  log(`crash/${engine}: preparing a city`);
  const target = await createTarget(engine, { keep: flag('keep') });
  const problems: string[] = [];
  const server = new ServerChild(target);
  try {
    const world = target.world;
    const startMs = await server.start();
    log(`crash/${engine}: serve ready in ${startMs} ms at ${server.url}`);

    const runId = crypto.randomBytes(4).toString('hex');
    const acked = new Map<string, number>(); // Idempotency-Key → case id
    const unanswered = new Set<string>(); // keys whose request may or may not have committed
    let retried = 0; // attempts that repeated a key
    const retriedKeys = new Set<string>();
    let replayed = 0;
    let seq = 0;
    let stopWriting = false;
    const statuses = new Map<number | string, number>();
    const count = (k: number | string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);

    const body = (key: string) => ({ channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: `crash ${key}`, location: world.inGrid });

    /** One attempt; true when the key has a final answer. */
    const attempt = async (key: string): Promise<boolean> => {
      try {
        const r = await http(server.url, 'POST', '/api/cases', { headers: { ...world.apiKey, 'idempotency-key': key }, body: body(key), timeoutMs: 30_000 });
        count(r.status);
        if (r.status === 201) {
          const id = (r.body as { case: { id: number } }).case.id;
          const before = acked.get(key);
          if (before !== undefined && before !== id) problems.push(`key ${key} acknowledged twice with different ids ${before} and ${id}`);
          if (r.headers.get('idempotent-replayed') === 'true') replayed += 1;
          acked.set(key, id);
          unanswered.delete(key);
          return true;
        }
        if (r.status >= 500 || r.status === 429) {
          // The server answered but did not commit (or we cannot know): retry with the same key.
          unanswered.add(key);
          return false;
        }
        problems.push(`key ${key}: unexpected ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        unanswered.delete(key);
        return true;
      } catch (e) {
        count((e as Error).name === 'TimeoutError' ? 'timeout' : 'network');
        unanswered.add(key);
        return false;
      }
    };

    const writer = async () => {
      // A client that got no answer retries with the same key before writing anything new.
      let mine: string | undefined;
      while (!stopWriting) {
        if (mine) {
          retried += 1;
          retriedKeys.add(mine);
        }
        const key = mine ?? `crash-${runId}-${(seq += 1)}`;
        const done = await attempt(key);
        mine = done ? undefined : key;
        if (!done) await sleep(100);
      }
    };

    const writers = Array.from({ length: clients }, () => writer());
    const restartsMs: number[] = [];
    let staleLocks = 0;
    for (let i = 1; i <= kills; i++) {
      const base = acked.size;
      const t0 = Date.now();
      while (acked.size - base < minAcksBetween && Date.now() - t0 < 30_000) await sleep(20);
      await sleep(Math.random() * maxJitterMs);
      const before = acked.size;
      const deadPid = server.pid;
      await server.kill();
      let lockNote = '';
      if (engine === 'pglite') {
        // The dead process leaves its lock behind; the next start must take it over, not refuse.
        const lock = path.join(target.env.GONGZHI_DATA_DIR!, 'gongzhi.lock');
        const holder = fs.existsSync(lock) ? (JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid?: number }).pid : undefined;
        if (holder === deadPid) staleLocks += 1;
        lockNote = holder === deadPid ? `; its lock (pid ${deadPid}) is left behind` : '; no lock left behind';
      }
      log(`crash/${engine}: kill ${i}/${kills} (SIGKILL) after ${before} acknowledged${lockNote}`);
      // Restart at once, as a supervisor (systemd, a container runtime) would.
      const ms = await server.start();
      restartsMs.push(ms);
      log(`crash/${engine}: restarted in ${ms} ms`);
    }
    await sleep(1_000);
    stopWriting = true;
    await Promise.all(writers);
    // Settle every unanswered key with the same key (the retry a real client makes).
    for (let round = 0; unanswered.size > 0 && round < 20; round++) {
      for (const key of [...unanswered]) {
        retried += 1;
        retriedKeys.add(key);
        await attempt(key);
      }
      if (unanswered.size > 0) await sleep(500);
    }
    if (unanswered.size > 0) problems.push(`${unanswered.size} keys never got an answer`);
    // Retries on purpose: a sample of acknowledged keys sent again must be answered from the
    // idempotency record (same id, Idempotent-Replayed), and one new key sent by two clients at
    // once must make one case.
    let deliberate = 0;
    for (const key of [...acked.keys()].sort(() => Math.random() - 0.5).slice(0, 20)) {
      const r = await http(server.url, 'POST', '/api/cases', { headers: { ...world.apiKey, 'idempotency-key': key }, body: body(key), timeoutMs: 30_000 });
      const id = (r.body as { case?: { id: number } })?.case?.id;
      if (r.status !== 201 || id !== acked.get(key) || r.headers.get('idempotent-replayed') !== 'true') {
        problems.push(`retry of acknowledged key ${key}: ${r.status} id ${id} (want ${acked.get(key)}), replayed=${r.headers.get('idempotent-replayed')}`);
      } else deliberate += 1;
    }
    const twin = `crash-${runId}-twin`;
    const pair = await Promise.all([0, 1].map(() => http(server.url, 'POST', '/api/cases', { headers: { ...world.apiKey, 'idempotency-key': twin }, body: body(twin), timeoutMs: 30_000 })));
    const twinIds = pair.map((r) => (r.body as { case?: { id: number } })?.case?.id);
    if (pair.some((r) => r.status !== 201) || twinIds[0] !== twinIds[1]) problems.push(`one key sent twice at once: ${pair.map((r) => r.status).join(', ')} ids ${twinIds.join(', ')}`);
    else acked.set(twin, twinIds[0]!);
    log(`crash/${engine}: ${deliberate} deliberate retries answered from the idempotency record; a key sent twice at once made one case (${twinIds[0]})`);
    log(`crash/${engine}: ${acked.size} acknowledged, ${retriedKeys.size} keys retried (${retried} attempts, ${replayed} answered as replays), statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    await server.stop();

    // Verify with the server stopped (embedded: we need the data folder).
    const vdb = await target.open();
    try {
      const rows = await vdb.query<{ description: string; id: number; reported: number; audited: number }>(
        `SELECT c.description, c.id,
                (SELECT count(*)::int FROM case_event e WHERE e.case_id = c.id AND e.type = 'reported') AS reported,
                (SELECT count(*)::int FROM audit_record a WHERE a.target_type = 'case' AND a.target_id = c.id::text AND a.action = 'case.report') AS audited
           FROM case_file c WHERE c.description LIKE $1`,
        [`crash crash-${runId}-%`],
      );
      const byKey = new Map<string, number[]>();
      for (const r of rows.rows) {
        const key = r.description.slice('crash '.length);
        byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
        if (r.reported !== 1) problems.push(`case ${r.id}: ${r.reported} 'reported' timeline events (want 1)`);
        if (r.audited !== 1) problems.push(`case ${r.id}: ${r.audited} case.report audit records (want 1)`);
      }
      for (const [key, ids] of byKey) if (ids.length > 1) problems.push(`report ${key} exists ${ids.length} times: cases ${ids.join(', ')}`);
      let lost = 0;
      for (const [key, id] of acked) {
        const ids = byKey.get(key);
        if (!ids || !ids.includes(id)) {
          lost += 1;
          if (lost <= 10) problems.push(`LOST: case ${id} (key ${key}) was acknowledged with 201 and is not in the database`);
        }
      }
      if (lost > 10) problems.push(`… ${lost} acknowledged cases lost in all`);
      log(`crash/${engine}: database holds ${rows.rows.length} of this run's cases; ${acked.size} acknowledged, ${lost} lost`);
    } finally {
      await vdb.close();
    }
    const v = await cli(target, ['audit', 'verify']).catch((e: { stdout?: string; stderr?: string; message: string }) => ({ stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''} ${e.message}` }));
    let verified: { ok?: boolean; records?: number } = {};
    try {
      verified = JSON.parse(v.stdout) as typeof verified;
    } catch {
      problems.push(`audit verify printed no JSON: ${v.stdout.slice(0, 300)} ${v.stderr.slice(0, 500)}`);
    }
    if (verified.ok !== true) problems.push(`gongzhi audit verify failed: ${v.stdout.slice(0, 500)}`);
    else log(`crash/${engine}: audit verify ok ${v.stdout.trim().replace(/\s+/g, ' ').slice(0, 200)}`);
    if (acked.size === 0) problems.push('no case was acknowledged at all');
    if (engine === 'pglite') log(`crash/${engine}: ${staleLocks} of ${kills} restarts took over a lock left by the killed process`);
    return { engine, ok: problems.length === 0, acknowledged: acked.size, retried: retriedKeys.size, replayed, restartsMs, problems };
  } catch (e) {
    problems.push(`run failed: ${(e as Error).stack ?? String(e)}\nserver stderr:\n${server.stderrTail.slice(-20).join('\n')}`);
    return { engine, ok: false, acknowledged: 0, retried: 0, replayed: 0, restartsMs: [], problems };
  } finally {
    await server.kill().catch(() => undefined);
    await target.cleanup().catch(() => undefined);
  }
}

const results: Outcome[] = [];
for (const e of engines) results.push(await crashRun(e));
console.log('\ncrash suite');
for (const r of results) {
  const avg = r.restartsMs.length ? Math.round(r.restartsMs.reduce((a, b) => a + b, 0) / r.restartsMs.length) : NaN;
  console.log(
    `  ${r.ok ? 'PASS' : 'FAIL'} ${r.engine.padEnd(6)} kills=${r.restartsMs.length} acknowledged=${r.acknowledged} keysRetried=${r.retried} replayed=${r.replayed} restart avg=${avg} ms max=${Math.max(...r.restartsMs)} ms`,
  );
  for (const p of r.problems) console.log(`    - ${p}`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
