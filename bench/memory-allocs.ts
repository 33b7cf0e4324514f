/**
 * Sum up a sampled allocation profile (a .heapprofile from bench/memory-server.ts --alloc-prof):
 * bytes allocated by function (self), by package or source folder, and by the nearest frame of
 * our own code (src/) on the stack, so that a library's allocations are charged to the call in
 * gongzhi that caused them.
 *   node --import tsx bench/memory-allocs.ts FILE.heapprofile [TOP=25]
 */
import fs from 'node:fs';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const file = process.argv[2]!;
const top = Number(process.argv[3] ?? '25');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: Node };

const where = (url: string) => {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src\/.*)$/.exec(url);
  if (src) return src[1]!;
  return url ? url.replace(/^.*\//, '') : '(native / V8)';
};
const bySelf = new Map<string, number>();
const byPlace = new Map<string, number>();
const byOurs = new Map<string, number>();
let total = 0;
function walk(n: Node, ours: string | undefined): void {
  const f = n.callFrame;
  const isOurs = /\/src\/.*\.(ts|js)$/.test(f.url) && !/\/node_modules\//.test(f.url);
  const here = isOurs ? `${where(f.url)}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}` : ours;
  if (n.selfSize) {
    total += n.selfSize;
    const k = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
    bySelf.set(k, (bySelf.get(k) ?? 0) + n.selfSize);
    byPlace.set(where(f.url), (byPlace.get(where(f.url)) ?? 0) + n.selfSize);
    const o = here ?? '(no gongzhi frame on the stack)';
    byOurs.set(o, (byOurs.get(o) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
}
walk(profile.head, undefined);
const mb = (n: number) => (n / 1_048_576).toFixed(1).padStart(8);
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${mb(v)} MB ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}\n`);
};
process.stdout.write(`${file}: ${mb(total)} MB sampled in all\n`);
print('by package / source file (self)', byPlace);
print('by nearest gongzhi frame on the stack', byOurs);
print('by function (self)', bySelf);
