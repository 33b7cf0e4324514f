/** Files as uploaded or found on disk → features, choosing the parser by format or file name. */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../platform/errors.js';
import { formatOfName, parseGeoJson, parseNbsCsv, parseShapefile, ParseError, type ImportFeature, type ImportFormat, type ImportOptions } from './parse.js';

export interface InputFile {
  name: string;
  data: Uint8Array;
}

const text = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

export async function readImportFiles(files: InputFile[], o: ImportOptions, format?: ImportFormat): Promise<ImportFeature[]> {
  try {
    if (files.length === 0) throw new ParseError('no file was given');
    const byExt = new Map(files.map((f) => [path.extname(f.name).toLowerCase(), f]));
    const fmt = format ?? (byExt.has('.shp') ? 'shapefile' : formatOfName(files[0]!.name));
    if (!fmt) throw new ParseError(`cannot tell the format of ${files[0]!.name}: use .geojson/.json, .zip/.shp or .csv (or give the format)`);
    switch (fmt) {
      case 'geojson':
        return parseGeoJson(text(files[0]!.data), o);
      case 'nbs-csv':
        return parseNbsCsv(text(files[0]!.data), o);
      case 'shapefile': {
        const shp = byExt.get('.shp');
        if (shp) {
          return await parseShapefile({ shp: shp.data, dbf: byExt.get('.dbf')?.data, prj: byExt.get('.prj')?.data, cpg: byExt.get('.cpg')?.data }, o);
        }
        const zip = byExt.get('.zip') ?? files[0]!;
        return await parseShapefile({ zip: zip.data }, o);
      }
    }
  } catch (e) {
    if (e instanceof ParseError) throw new AppError('import_invalid', `The import file is not valid: ${e.message}`);
    throw e;
  }
}

/** A file on disk; for a .shp, its .dbf/.prj/.cpg siblings come along. */
export function readFilesFromDisk(file: string): InputFile[] {
  if (!fs.existsSync(file)) throw new AppError('validation_failed', `FILE: ${file} does not exist`);
  const out: InputFile[] = [{ name: path.basename(file), data: fs.readFileSync(file) }];
  if (file.toLowerCase().endsWith('.shp')) {
    const base = file.slice(0, -4);
    for (const ext of ['.dbf', '.prj', '.cpg']) {
      for (const cand of [base + ext, base + ext.toUpperCase()]) {
        if (fs.existsSync(cand)) {
          out.push({ name: path.basename(base) + ext, data: fs.readFileSync(cand) });
          break;
        }
      }
    }
  }
  return out;
}
