/**
 * Run the real `gongzhi` binary as a child process, as an operator would: tests of what crosses a
 * process boundary (the data-folder lock, backup/restore, exit codes, signals) need a second
 * process, not a function call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openDatabase } from '../../src/platform/db.js';

export const BIN = path.resolve('bin/gongzhi.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child: only what the test names, over a clean base (no DATABASE_URL or
 * GONGZHI_* leaking in from the shell that runs the tests).
 */
export function cliEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'DATABASE_URL' || k === 'PORT' || k === 'HOST' || k.startsWith('GONGZHI_') || k.startsWith('VITEST') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.LOG_LEVEL = 'warn';
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function startCli(args: string[], vars: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: cliEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], vars: Record<string, string | undefined>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = startCli(args, vars);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`gongzhi ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Resolves with the first stdout line matching re (the child keeps running). */
export function waitForOutput(p: ChildProcess, re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no output matching ${re} in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`gongzhi exited (${code}) before printing ${re}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A data folder holding the run's migrated template database (npm test's engine), so a child
 * gongzhi starts without spending most of a minute creating and migrating a database.
 */
export async function dataDirFromTemplate(dataDir: string, templateTarball: string): Promise<void> {
  const db = await openDatabase({ dataDir, loadDataDir: new Blob([fs.readFileSync(templateTarball)]) });
  await db.close();
}
