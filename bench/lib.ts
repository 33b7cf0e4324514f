/** Small tools of the benchmark: timing, percentiles, child servers, autocannon runs. */
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import autocannon from 'autocannon';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** Run fn repeatedly: warm-up first, then `runs` timed runs; returns sorted durations in ms. */
export async function timeRuns(fn: () => Promise<unknown> | unknown, runs: number, warmup = Math.max(1, Math.floor(runs / 5))): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** Run `total` async operations with `concurrency` in flight; returns ops/s and latencies (ms). */
export async function closedLoop(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ perSecond: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: total / seconds, latencies: latencies.sort((a, b) => a - b) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Child {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
  rssMb(): number | null;
  /** The last 4,000 characters the child wrote to stderr (why it failed). */
  stderrTail(): string;
}

/** Start a child process that serves HTTP, and wait until `readyPath` answers 200. */
export async function startChild(args: string[], env: NodeJS.ProcessEnv, port: number, readyPath = '/readyz', timeoutMs = 120_000): Promise<Child & { startedMs: number }> {
  const t0 = performance.now();
  // GONGZHI_BENCH_CHILD_NODE_ARGS: node flags for the servers the bench starts, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server under the intake load.
  const nodeArgs = (process.env.GONGZHI_BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, ...args], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`child exited with ${proc.exitCode}: ${stderr}`);
    if (performance.now() - t0 > timeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`child not ready after ${timeoutMs} ms: ${stderr}`);
    }
    try {
      const r = await fetch(`${url}${readyPath}`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const startedMs = performance.now() - t0;
  return {
    proc,
    url,
    startedMs,
    stderrTail: () => stderr,
    rssMb() {
      try {
        const status = require('node:fs').readFileSync(`/proc/${proc.pid}/status`, 'utf8') as string;
        const m = /VmRSS:\s+(\d+) kB/.exec(status);
        return m ? Number(m[1]) / 1024 : null;
      } catch {
        return null;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export interface CannonResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function cannon(opts: autocannon.Options): Promise<CannonResult> {
  const r = await autocannon({ ...opts });
  return { perSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}
