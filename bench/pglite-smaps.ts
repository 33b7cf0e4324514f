/**
 * Resident memory of this process grouped by kind of mapping (/proc/self/smaps), to tell V8's
 * heap, compiled WASM code, the WASM linear memory and glibc's arenas apart — no JS counter shows
 * compiled code or malloc'd memory. Used by bench/memory-probe.ts (MEMPROBE_SMAPS=1) and
 * bench/pglite-memory.ts; Linux only.
 */
import fs from 'node:fs';

export interface SmapsGroup {
  group: string;
  mappings: number;
  rssKb: number;
  sizeKb: number;
}

function groupOf(perms: string, name: string, sizeKb: number): string {
  if (name === '[heap]') return 'brk heap (glibc main arena)';
  if (name.startsWith('[')) return name;
  if (name) {
    if (/\/node$|\/nodejs$/.test(name)) return 'node binary';
    if (/\.so/.test(name)) return 'shared libraries';
    return `file: ${name.split('/').slice(-2).join('/')}`;
  }
  // Anonymous mappings: V8 reserves its WASM linear memory as a huge (8–10 GB guard-region)
  // PROT_NONE reservation whose touched pages are rw; compiled WASM/JIT code is rwx or r-x.
  if (perms.includes('x')) return `anon ${perms} (JIT / WASM code)`;
  // PGlite's WebAssembly.Memory starts at 128 MB and grows by 64 KB pages: the one big rw mapping.
  if (sizeKb >= 131_072 && sizeKb % 64 === 0 && perms.startsWith('rw')) return `anon ${perms} >= 128 MB (WASM linear memory)`;
  if (sizeKb === 65_536) return `anon ${perms} 64 MB (glibc thread arena)`;
  return `anon ${perms}`;
}

export function smapsGroups(pid: number | 'self' = 'self'): SmapsGroup[] {
  const text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const groups = new Map<string, SmapsGroup>();
  let current: { perms: string; name: string; sizeKb: number; rssKb: number } | undefined;
  const flush = () => {
    if (!current) return;
    const g = groupOf(current.perms, current.name, current.sizeKb);
    const e = groups.get(g) ?? { group: g, mappings: 0, rssKb: 0, sizeKb: 0 };
    e.mappings++;
    e.rssKb += current.rssKb;
    e.sizeKb += current.sizeKb;
    groups.set(g, e);
  };
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      flush();
      current = { perms: head[3]!, name: head[4]!.trim(), sizeKb: 0, rssKb: 0 };
      continue;
    }
    if (!current) continue;
    const kv = /^(Size|Rss):\s+(\d+) kB/.exec(line);
    if (kv) current[kv[1] === 'Size' ? 'sizeKb' : 'rssKb'] = Number(kv[2]);
  }
  flush();
  return [...groups.values()].sort((a, b) => b.rssKb - a.rssKb);
}

/** The largest individual anonymous mappings, to spot code spaces and the WASM reservation. */
export function largestAnon(pid: number | 'self' = 'self', n = 12): string[] {
  const text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const out: { line: string; rssKb: number }[] = [];
  let head: string | undefined;
  let size = 0;
  for (const line of text.split('\n')) {
    const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\S+)\s*(.*)$/.exec(line);
    if (h) {
      head = h[5]!.trim() === '' ? `${h[3]}` : undefined;
      continue;
    }
    const s = /^Size:\s+(\d+)/.exec(line);
    if (s) size = Number(s[1]);
    const r = /^Rss:\s+(\d+)/.exec(line);
    if (r && head) out.push({ line: `${head} size ${Math.round(size / 1024)} MB rss ${Math.round(Number(r[1]) / 1024)} MB`, rssKb: Number(r[1]) });
  }
  return out.sort((a, b) => b.rssKb - a.rssKb).slice(0, n).map((o) => o.line);
}

export function printSmaps(label: string, pid: number | 'self' = 'self'): void {
  process.stdout.write(`  smaps after ${label}:\n`);
  for (const g of smapsGroups(pid)) {
    if (g.rssKb < 1024) continue;
    process.stdout.write(`    ${String(Math.round(g.rssKb / 1024)).padStart(5)} MB rss  ${String(g.mappings).padStart(5)} maps  ${String(Math.round(g.sizeKb / 1024)).padStart(7)} MB virt  ${g.group}\n`);
  }
  process.stdout.write(`    largest anon: ${largestAnon(pid, 8).join('; ')}\n`);
}
