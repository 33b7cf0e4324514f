/**
 * A compiled copy of src/ (esbuild, one file per module, no bundling: the same module graph as
 * under tsx, without the loader), to measure what running through tsx costs:
 *   node --import tsx bench/memory-compile.ts OUT_DIR
 *   node --import tsx bench/memory-server.ts --entry OUT_DIR/src/cli/gongzhi.js …
 * OUT_DIR gets src/ as .js, non-TS files of src/ copied, and symlinks to node_modules, db and web
 * (migrations and the web root are found relative to the module's own URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';

const out = path.resolve(process.argv[2] ?? '/tmp/gongzhi-js');
const root = process.cwd();
fs.rmSync(out, { recursive: true, force: true });
let files = 0;
function walk(rel: string): void {
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) walk(r);
    else if (/\.test\.ts$/.test(e.name)) continue;
    else if (/\.ts$/.test(e.name)) {
      const code = transformSync(fs.readFileSync(path.join(root, r), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: r });
      fs.mkdirSync(path.join(out, rel), { recursive: true });
      // tsx lets `import x from './f.json'` through; plain Node needs the import attribute.
      const js = code.code.replace(/(from\s+(['"])[^'"]+\.json\2)(?!\s*with)/g, '$1 with { type: "json" }');
      fs.writeFileSync(path.join(out, r.replace(/\.ts$/, '.js')), js);
      files++;
    } else {
      fs.mkdirSync(path.join(out, rel), { recursive: true });
      fs.copyFileSync(path.join(root, r), path.join(out, r));
    }
  }
}
walk('src');
for (const l of ['node_modules', 'db', 'web', 'package.json']) fs.symlinkSync(path.join(root, l), path.join(out, l));
process.stdout.write(`${files} modules compiled into ${out}/src; entry ${out}/src/cli/gongzhi.js\n`);
