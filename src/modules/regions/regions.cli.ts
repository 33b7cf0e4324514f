/** `gongzhi regions …`: thin, calls the module's services. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { AppError } from '../../platform/errors.js';
import type { CliHelpers } from '../types.js';
import { applyDivisionChanges, parseChangeLog } from './changes.js';
import { isLevel, normalizeCode } from './codes.js';
import { isCrs, type Crs } from './crs.js';
import { importRegions } from './import/import.command.js';
import type { ImportFormat, ImportOptions } from './import/parse.js';
import { readFilesFromDisk, readImportFiles } from './import/read.js';
import { checkPoint, getLocateIndex } from './locate.js';
import * as repo from './regions.repository.js';

const bad = (opt: string, problem: string) => new AppError('validation_failed', `${opt}: ${problem}`);

export function regionsCli(program: Command, h: CliHelpers): void {
  const regions = program.command('regions').description('the region-and-grid hierarchy');

  regions
    .command('import <file>')
    .description('import units from GeoJSON (.geojson/.json), a Shapefile (.zip or .shp with .dbf/.prj beside it) or an NBS division CSV (.csv)')
    .option('--format <format>', 'geojson | shapefile | nbs-csv (default: from the file name)')
    .option('--code-prop <name>', 'property holding the code (default: code, else the feature id)')
    .option('--name-prop <name>', 'property holding the name (default: name)')
    .option('--level <level>', 'one level for every feature: city | district | street | community | grid | microgrid')
    .option('--parent <code>', 'one parent code for every feature')
    .option('--crs <crs>', 'wgs84 | cgcs2000 | gcj02 | bd09 (default wgs84)', 'wgs84')
    .option('--on-invalid <what>', 'invalid rings: repair (ST_MakeValid, reported) or reject', 'repair')
    .option('--dry-run', 'check and report without writing anything')
    .action(async (file: string, o: { format?: string; codeProp?: string; nameProp?: string; level?: string; parent?: string; crs: string; onInvalid: string; dryRun?: boolean }) => {
      if (o.format && !['geojson', 'shapefile', 'nbs-csv'].includes(o.format)) throw bad('--format', 'must be geojson, shapefile or nbs-csv');
      if (o.level && !isLevel(o.level)) throw bad('--level', 'must be city, district, street, community, grid or microgrid');
      if (!isCrs(o.crs)) throw bad('--crs', 'must be wgs84, cgcs2000, gcj02 or bd09');
      if (o.onInvalid !== 'repair' && o.onInvalid !== 'reject') throw bad('--on-invalid', 'must be repair or reject');
      const parent = o.parent === undefined ? undefined : normalizeCode(o.parent);
      if (parent === null) throw bad('--parent', 'must be a region code of 6, 9, 12, 15 or 17 digits');
      const opts: ImportOptions = {
        codeProp: o.codeProp,
        nameProp: o.nameProp,
        level: o.level as ImportOptions['level'],
        parent,
        crs: o.crs as Crs,
        onInvalid: o.onInvalid,
        dryRun: o.dryRun === true,
      };
      const features = await readImportFiles(readFilesFromDisk(file), opts, o.format as ImportFormat | undefined);
      const summary = await h.withDb(async (db) => {
        if (parent && !(await repo.findCurrentByCode(db, parent))) throw new AppError('region_not_found', `--parent: no region has the code ${parent}`);
        const bar = process.stderr.isTTY ? new SingleBar({ format: 'importing [{bar}] {value}/{total} units', stream: process.stderr }, Presets.shades_classic) : null;
        bar?.start(features.length, 0);
        try {
          return await importRegions(db, h.ctx(), features, { ...opts, source: file }, (done) => bar?.update(done));
        } finally {
          bar?.stop();
        }
      });
      h.out(summary);
    });

  regions
    .command('locate')
    .description('the chain of units covering a point, deepest first')
    .requiredOption('--lng <lng>', 'longitude')
    .requiredOption('--lat <lat>', 'latitude')
    .option('--crs <crs>', 'wgs84 | cgcs2000 | gcj02 | bd09', 'wgs84')
    .action(async (o: { lng: string; lat: string; crs: string }) => {
      const [x, y] = checkPoint(o.lng, o.lat, o.crs);
      const hit = await h.withDb(async (db) => (await getLocateIndex(db)).locate(x, y));
      if (!hit) throw new AppError('location_outside_regions');
      h.out({ chain: hit.chain.map((c) => ({ code: c.code, name: c.name, level: c.level })) });
    });

  regions
    .command('tree')
    .description('print the hierarchy (indented: code, level, name)')
    .option('--parent <code>', 'start below this unit (default: the roots)')
    .option('--depth <n>', 'levels to print', '2')
    .action(async (o: { parent?: string; depth: string }) => {
      if (!/^\d+$/.test(o.depth) || Number(o.depth) < 1 || Number(o.depth) > 6) throw bad('--depth', 'must be a whole number from 1 to 6');
      const depth = Number(o.depth);
      const parent = o.parent === undefined ? undefined : normalizeCode(o.parent);
      if (parent === null) throw bad('--parent', 'must be a region code');
      await h.withDb(async (db) => {
        let start: number | null = null;
        if (parent) {
          const p = await repo.findCurrentByCode(db, parent);
          if (!p) throw new AppError('region_not_found', `--parent: no region has the code ${parent}`);
          start = p.id;
        }
        const lines: string[] = [];
        const walk = async (id: number | null, d: number) => {
          for (const r of await repo.listChildren(db, id, 10_000, 0)) {
            lines.push(`${'  '.repeat(d)}${r.code}  ${r.level.padEnd(9)}  ${r.name}${r.childCount ? `  (${r.childCount})` : ''}`);
            if (d + 1 < depth) await walk(r.id, d + 1);
          }
        };
        await walk(start, 0);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  regions
    .command('changes <file>')
    .description('apply an NBS change log (change,code,name,level: added_in_* / removed_since_*): re-codes, renames, new and retired units, keeping old codes resolvable')
    .requiredOption('--effective <date>', 'the date the changes took effect (YYYY-MM-DD)')
    .action(async (file: string, o: { effective: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.effective)) throw bad('--effective', 'must be a date YYYY-MM-DD');
      if (!fs.existsSync(file)) throw bad('FILE', `${file} does not exist`);
      const changes = parseChangeLog(fs.readFileSync(file, 'utf8'));
      h.out(await h.withDb((db) => applyDivisionChanges(db, h.ctx(), changes, o.effective)));
    });
}
