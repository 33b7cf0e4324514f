/**
 * Watch the memory of a `gongzhi serve` started by another script (the soak, say) over time:
 *
 *   node --import tsx bench/memory-watch.ts preload FILE.mjs
 *       writes a preload module; run the other script with NODE_OPTIONS="--import FILE.mjs" and
 *       every node process it starts answers SIGUSR2 by writing its process.memoryUsage() and V8
 *       heap spaces to $TMPDIR/gongzhi-memwatch-<pid>.json
 *   node --import tsx bench/memory-watch.ts watch PARENT_PID [EVERY_S=10]
 *       finds the `serve` process under PARENT_PID and prints, every EVERY_S seconds until it
 *       exits, VmRSS, the smaps groups (bench/pglite-smaps.ts) and, with the preload, the heap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { smapsGroups } from './pglite-smaps.js';

const [mode, a1, a2] = process.argv.slice(2);
const reportOf = (pid: number) => path.join(os.tmpdir(), `gongzhi-memwatch-${pid}.json`);

if (mode === 'preload') {
  fs.writeFileSync(
    a1!,
    `import fs from 'node:fs'; import v8 from 'node:v8'; import os from 'node:os'; import path from 'node:path';
fs.writeFileSync(path.join(os.tmpdir(), 'gongzhi-memwatch-' + process.pid + '.ready'), '');
process.on('SIGUSR2', () => {
  const f = path.join(os.tmpdir(), 'gongzhi-memwatch-' + process.pid + '.json');
  fs.writeFileSync(f + '.tmp', JSON.stringify({ mem: process.memoryUsage(), spaces: v8.getHeapSpaceStatistics() }));
  fs.renameSync(f + '.tmp', f);
});\n`,
  );
  process.exit(0);
}

function children(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
function findServe(root: number): number | undefined {
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (p !== root && cmd.includes('serve')) return p;
    } catch {
      continue;
    }
    queue.push(...children(p));
  }
  return undefined;
}

const parent = Number(a1);
const every = Number(a2 ?? '10') * 1000;
const mb = (n: number) => Math.round(n / 1_048_576);
const t0 = Date.now();
let pid: number | undefined;
for (;;) {
  if (!fs.existsSync(`/proc/${parent}`)) break;
  pid ??= findServe(parent);
  if (pid && fs.existsSync(`/proc/${pid}`)) {
    try {
      const rss = Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
      const f = reportOf(pid);
      fs.rmSync(f, { force: true });
      // Only once the preload has installed its handler: SIGUSR2's default action ends a process.
      const hooked = fs.existsSync(f.replace(/\.json$/, '.ready'));
      if (hooked) process.kill(pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 300));
      let heap = '';
      if (hooked && fs.existsSync(f)) {
        const r = JSON.parse(fs.readFileSync(f, 'utf8')) as { mem: NodeJS.MemoryUsage; spaces: Array<{ space_name: string; physical_space_size: number; space_used_size: number }> };
        heap = ` heapUsed ${mb(r.mem.heapUsed)} heapTotal ${mb(r.mem.heapTotal)} external ${mb(r.mem.external)} arrayBuffers ${mb(r.mem.arrayBuffers)}; ${r.spaces
          .filter((s) => s.physical_space_size > 512 * 1024)
          .map((s) => `${s.space_name.replace('_space', '')} ${mb(s.physical_space_size)}/${mb(s.space_used_size)}`)
          .join(', ')}`;
      }
      const groups = smapsGroups(pid)
        .filter((g) => g.rssKb >= 4096)
        .map((g) => `${g.group.replace(/ \(.*\)$/, '')} ${Math.round(g.rssKb / 1024)}`)
        .join('; ');
      process.stdout.write(`${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s  VmRSS ${rss} MB${heap}\n      smaps: ${groups}\n`);
    } catch {
      /* the process went away between two reads */
    }
  }
  await new Promise((r) => setTimeout(r, every));
}
