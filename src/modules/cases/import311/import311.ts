/**
 * Historical case import: CSV rows → normalised records, streaming, with every rule of
 * docs/kpi-definitions.md § "Historical import" applied and counted. Nothing here touches the
 * database: the caller hands `importHistoricalCsv` an `insert` callback.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../../../platform/errors.js';
import { isValidTimeZone, offsetAt, zonedWallToUtc, type WallResolution } from '../sla/zoned-time.js';
import {
  DEFAULT_CHANNEL_MAP,
  DEFAULT_STATUS_MAP,
  MAPPABLE_FIELDS,
  REQUIRED_FIELDS,
  resolveMapping,
  UNKNOWN_CHANNEL,
  type ColumnMapping,
  type ImportedState,
  type MappableField,
} from './mapping.js';

/** Why a kept record is special. Every flag is counted in the report. */
export type DataQualityFlag =
  | 'negative_duration'
  | 'zero_duration'
  | 'no_location'
  | 'missing_close_time'
  | 'invalid_close_time'
  | 'close_time_on_open_record'
  | 'unknown_status'
  | 'ambiguous_local_time'
  | 'nonexistent_local_time';

export const DATA_QUALITY_FLAGS: readonly DataQualityFlag[] = [
  'negative_duration',
  'zero_duration',
  'no_location',
  'missing_close_time',
  'invalid_close_time',
  'close_time_on_open_record',
  'unknown_status',
  'ambiguous_local_time',
  'nonexistent_local_time',
];

export interface HistoricalCase {
  /** Line of the source file where the record ends (1 = header). */
  line: number;
  sourceId: string;
  city: string | null;
  dataset: string | null;
  timeZone: string;
  reportedAt: Date;
  /** When the source record ended: closed, cancelled or referred out. Null while open. */
  endedAt: Date | null;
  sourceStatus: string;
  state: ImportedState;
  category: string | null;
  subcategory: string | null;
  agency: string | null;
  sourceChannel: string | null;
  channel: string;
  lat: number | null;
  lon: number | null;
  adminArea: string | null;
  address: string | null;
  description: string | null;
  /** endedAt − reportedAt in real elapsed hours (correct across DST); null without endedAt. */
  elapsedHours: number | null;
  /** Whether elapsedHours enters handling-time KPIs: closed, neither negative nor zero. */
  countsForHandlingTime: boolean;
  /** The zone's UTC offset differs between reportedAt and endedAt (a DST change in between). */
  spansOffsetChange: boolean;
  /** The file's own hours_to_close, when mapped: a cross-check, never used as the truth. */
  sourceHoursToClose: number | null;
  flags: DataQualityFlag[];
}

export interface RowRejection {
  line: number;
  field: MappableField | 'row';
  reason: string;
}

export type RowOutcome = { ok: true; record: HistoricalCase } | { ok: false; rejection: RowRejection };

export interface ParseOptions {
  /** Zone for rows whose tz column is missing or empty (e.g. 'Asia/Shanghai' for a Chinese export). */
  defaultTimeZone?: string;
  statusMap?: Readonly<Record<string, ImportedState>>;
  channelMap?: Readonly<Record<string, string>>;
}

export type CsvInput = string | Buffer | NodeJS.ReadableStream | AsyncIterable<string | Buffer>;

// 2017-12-31T23:59:58, 2017-12-31 23:59:58.123, optional Z / ±hh:mm; or US 12/31/2017 11:59:58 PM.
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US_TS = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$/i;

export interface ParsedTime {
  utcMs: number;
  resolution: WallResolution;
}

/**
 * A source timestamp as a UTC instant. Without an explicit offset it is wall time in `timeZone`,
 * resolved by zonedWallToUtc (ambiguous → earlier instant, nonexistent → shifted forward).
 */
export function parseSourceTime(text: string, timeZone: string): ParsedTime | null {
  const s = text.trim();
  let y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number;
  let offset: string | undefined;
  let m = ISO_TS.exec(s);
  if (m) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
    h = Number(m[4] ?? 0);
    mi = Number(m[5] ?? 0);
    sec = Number(m[6] ?? 0);
    ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    offset = m[8];
  } else if ((m = US_TS.exec(s))) {
    mo = Number(m[1]);
    d = Number(m[2]);
    y = Number(m[3]);
    h = Number(m[4] ?? 0);
    mi = Number(m[5] ?? 0);
    sec = Number(m[6] ?? 0);
    ms = 0;
    const ampm = m[7]?.toUpperCase();
    if (ampm) {
      if (h < 1 || h > 12) return null;
      h = (h % 12) + (ampm === 'PM' ? 12 : 0);
    }
  } else {
    return null;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return null;
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return null; // 2018-02-30
  if (offset) {
    const wall = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    if (offset.toUpperCase() === 'Z') return { utcMs: wall, resolution: 'exact' };
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const off = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    return { utcMs: wall - off, resolution: 'exact' };
  }
  return zonedWallToUtc({ year: y, month: mo, day: d, hour: h, minute: mi, second: sec, millisecond: ms }, timeZone);
}

const HOUR = 3_600_000;

/** Durations up to this count as zero (closed with the record itself): see the import rules. */
export const ZERO_DURATION_MAX_MS = 1_000;

function parseCoordinate(text: string | null, limit: number): number | null {
  if (text === null) return null;
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

const nonEmpty = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const t = v.trim();
  return t === '' ? null : t;
};

/** A row keyed by source column names → one record, or the reason it cannot be one. */
export function normaliseRow(row: Readonly<Record<string, string | undefined>>, line: number, mapping: ColumnMapping, opts: ParseOptions = {}): RowOutcome {
  return normaliseFields(
    (f) => {
      const col = mapping[f];
      return col === null ? null : nonEmpty(row[col]);
    },
    line,
    opts,
  );
}

const rejection = (line: number, field: RowRejection['field'], reason: string): RowOutcome => ({ ok: false, rejection: { line, field, reason } });

// Module-level, not closures per row: this runs for every row of a file of millions.
function addFlag(flags: DataQualityFlag[], f: DataQualityFlag): void {
  if (!flags.includes(f)) flags.push(f);
}

function addResolutionFlag(flags: DataQualityFlag[], r: WallResolution): void {
  if (r === 'ambiguous') addFlag(flags, 'ambiguous_local_time');
  if (r === 'nonexistent') addFlag(flags, 'nonexistent_local_time');
}

function normaliseFields(get: (f: MappableField) => string | null, line: number, opts: ParseOptions): RowOutcome {

  const sourceId = get('request_id');
  if (!sourceId) return rejection(line, 'request_id', 'missing');
  const timeZone = get('tz') ?? opts.defaultTimeZone ?? null;
  if (!timeZone) return rejection(line, 'tz', 'missing, and no default time zone was given');
  if (!isValidTimeZone(timeZone)) return rejection(line, 'tz', `unknown time zone '${timeZone}'`);
  const createdText = get('created_at');
  if (!createdText) return rejection(line, 'created_at', 'missing');
  const created = parseSourceTime(createdText, timeZone);
  if (!created) return rejection(line, 'created_at', `not a date-time: '${createdText}'`);

  const flags: DataQualityFlag[] = [];
  addResolutionFlag(flags, created.resolution);

  const sourceStatus = get('status') ?? '';
  const statusMap = opts.statusMap ?? DEFAULT_STATUS_MAP;
  let state = statusMap[sourceStatus.toLowerCase()];
  if (!state) {
    state = 'accepted';
    addFlag(flags, 'unknown_status');
  }

  let ended: ParsedTime | null = null;
  const closedText = get('closed_at');
  if (closedText) {
    ended = parseSourceTime(closedText, timeZone);
    if (!ended) addFlag(flags, 'invalid_close_time');
    else addResolutionFlag(flags, ended.resolution);
  }
  const ends = state === 'closed' || state === 'cancelled' || state === 'referred';
  if (ended && !ends) addFlag(flags, 'close_time_on_open_record');
  if (!ended && state === 'closed') addFlag(flags, 'missing_close_time');

  let elapsedHours: number | null = null;
  let spansOffsetChange = false;
  if (ended) {
    const ms = ended.utcMs - created.utcMs;
    elapsedHours = ms / HOUR;
    if (ms < 0) addFlag(flags, 'negative_duration');
    // Source times have one-second resolution: 1 s apart may be the same instant.
    else if (ms <= ZERO_DURATION_MAX_MS) addFlag(flags, 'zero_duration');
    spansOffsetChange = offsetAt(timeZone, created.utcMs) !== offsetAt(timeZone, ended.utcMs);
  }

  const lat = parseCoordinate(get('lat'), 90);
  const lon = parseCoordinate(get('lon'), 180);
  // (0, 0) is the usual placeholder for "no location" (Null Island), never a real 311 report.
  const located = lat !== null && lon !== null && !(lat === 0 && lon === 0);
  if (!located) addFlag(flags, 'no_location');

  const sourceChannel = get('channel');
  const channelMap = opts.channelMap ?? DEFAULT_CHANNEL_MAP;
  const channel = (sourceChannel && channelMap[sourceChannel.toLowerCase()]) || UNKNOWN_CHANNEL;

  const hoursText = get('hours_to_close');
  const sourceHours = hoursText === null ? null : Number(hoursText);

  return {
    ok: true,
    record: {
      line,
      sourceId,
      city: get('city'),
      dataset: get('dataset'),
      timeZone,
      reportedAt: new Date(created.utcMs),
      endedAt: ended ? new Date(ended.utcMs) : null,
      sourceStatus,
      state,
      category: get('category'),
      subcategory: get('subcategory'),
      agency: get('agency'),
      sourceChannel,
      channel,
      lat: located ? lat : null,
      lon: located ? lon : null,
      adminArea: get('admin_area'),
      address: get('address'),
      description: get('description'),
      elapsedHours,
      countsForHandlingTime: state === 'closed' && elapsedHours !== null && !flags.includes('zero_duration') && !flags.includes('negative_duration'),
      spansOffsetChange,
      sourceHoursToClose: sourceHours !== null && Number.isFinite(sourceHours) ? sourceHours : null,
      flags,
    },
  };
}

const PIECE = 1 << 16;

function* pieces(b: Buffer): Generator<Buffer> {
  for (let i = 0; i < b.length; i += PIECE) yield b.subarray(i, i + PIECE);
}

/**
 * A file given whole (a string or Buffer) goes to the parser in 64 KB pieces, as a file stream
 * would: in one piece, csv-parse parses all of it in one synchronous call, so the event loop (and
 * with it every database round trip of the writes) stalls for the whole parse, and every record
 * of the file is held at once. Cutting between the bytes of a character is safe: csv-parse works
 * on bytes and decodes whole fields.
 */
function toReadable(input: CsvInput): NodeJS.ReadableStream {
  if (typeof input === 'string' || Buffer.isBuffer(input)) return Readable.from(pieces(typeof input === 'string' ? Buffer.from(input, 'utf8') : input));
  if ('pipe' in (input as object)) return input as NodeJS.ReadableStream;
  return Readable.from(input as AsyncIterable<string | Buffer>);
}

/**
 * Stream a CSV file (text, Buffer, stream or async iterable of chunks) into one outcome per data
 * row. A header without a required column throws import_invalid before any row is produced; a
 * bad row is a rejection, never an exception.
 */
export async function* parseHistoricalCsv(
  input: CsvInput,
  mapping: Partial<Record<MappableField, string | null>> | ColumnMapping = {},
  opts: ParseOptions = {},
): AsyncGenerator<RowOutcome> {
  const map = resolveMapping(mapping);
  if (opts.defaultTimeZone !== undefined && !isValidTimeZone(opts.defaultTimeZone)) {
    throw new AppError('import_invalid', `Unknown default time zone '${opts.defaultTimeZone}'.`, [{ field: 'tz', problem: 'unknown time zone' }]);
  }
  // Arrays, not column objects: csv-parse's `columns` option costs a third of the parse time.
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  const source = toReadable(input);
  source.on('error', (e: Error) => parser.destroy(e));
  source.pipe(parser);
  let index: Partial<Record<MappableField, number>> | undefined;
  let row: string[] = [];
  const get = (f: MappableField): string | null => {
    const i = index![f];
    return i === undefined ? null : nonEmpty(row[i]);
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!index) {
        index = headerIndex(item.record, map, opts);
        continue;
      }
      row = item.record;
      yield normaliseFields(get, item.info.lines, opts);
    }
  } finally {
    // A consumer that stops early (or a bad header) must not leave a file handle open.
    (source as Partial<Readable>).destroy?.();
  }
  if (!index) throw new AppError('import_invalid', 'The file is empty: it has no header line.', [{ field: 'file', problem: 'empty' }]);
}

function headerIndex(header: string[], map: ColumnMapping, opts: ParseOptions): Partial<Record<MappableField, number>> {
  const names = header.map((h) => h.trim());
  const index: Partial<Record<MappableField, number>> = {};
  for (const f of MAPPABLE_FIELDS) {
    const col = map[f];
    const i = col === null ? -1 : names.indexOf(col);
    if (i >= 0) index[f] = i;
  }
  const needed: MappableField[] = [...REQUIRED_FIELDS, ...(opts.defaultTimeZone ? [] : (['tz'] as const))];
  const missing = needed.filter((f) => index[f] === undefined);
  if (missing.length > 0) {
    throw new AppError(
      'import_invalid',
      `The file has no column for ${missing.map((f) => `${f} (looked for '${map[f] ?? '—'}')`).join(', ')}; map it with --map ${missing[0]}=COLUMN.`,
      missing.map((f) => ({ field: f, problem: 'column not found' })),
    );
  }
  return index;
}

export type RuleName = DataQualityFlag | 'cancelled' | 'referred';

export interface ImportReport {
  /** Data rows read (header excluded). */
  rows: number;
  imported: number;
  rejected: number;
  /** The first 100 rejections, in file order. */
  rejections: RowRejection[];
  /** Records per rule: each data-quality flag, and the cancelled / referred states. */
  rules: Record<RuleName, number>;
  states: Record<ImportedState, number>;
  /** Records whose created and ended times straddle a DST change (their naive difference is wrong). */
  spansOffsetChange: number;
  handlingTime: {
    /** Records whose elapsed hours enter handling-time KPIs (closed, neither negative nor zero). */
    included: number;
    medianHours: number | null;
    p90Hours: number | null;
    /** Against the file's own hours_to_close, when that column is mapped. */
    compared: number;
    maxDeviationHours: number | null;
    overTolerance: number;
  };
}

export interface ImportOptions extends ParseOptions {
  mapping?: Partial<Record<MappableField, string | null>>;
  /** Receives normalised records in batches, in file order; a throw aborts the import. */
  insert: (batch: HistoricalCase[], prepared?: unknown) => Promise<void>;
  /**
   * Work on a batch that needs no database, run as soon as the batch is complete (while the
   * previous batch is still being written); its result is handed to `insert` with the batch.
   */
  prepare?: (batch: HistoricalCase[]) => unknown;
  batchSize?: number;
  /** Called after each batch with the number of rows read so far (progress bars). */
  onProgress?: (rowsRead: number) => void;
  /** Deviation from the file's hours_to_close that counts as a disagreement (default 0.01 h). */
  toleranceHours?: number;
}

/** Same definition as PostgreSQL's percentile_cont, so SQL rollups and this report agree. */
export function percentileCont(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function emptyReport(): ImportReport {
  const rules = Object.fromEntries([...DATA_QUALITY_FLAGS, 'cancelled', 'referred'].map((k) => [k, 0])) as Record<RuleName, number>;
  const states = { accepted: 0, dispatched: 0, in_progress: 0, closed: 0, cancelled: 0, referred: 0 };
  return {
    rows: 0,
    imported: 0,
    rejected: 0,
    rejections: [],
    rules,
    states,
    spansOffsetChange: 0,
    handlingTime: { included: 0, medianHours: null, p90Hours: null, compared: 0, maxDeviationHours: null, overTolerance: 0 },
  };
}

/** Records between two turns of the event loop while parsing (see importHistoricalCsv). */
const YIELD_EVERY = 256;

/** Parse, normalise, count and hand records to `insert` in batches; returns the report. */
export async function importHistoricalCsv(input: CsvInput, opts: ImportOptions): Promise<ImportReport> {
  const batchSize = opts.batchSize ?? 500;
  const tolerance = opts.toleranceHours ?? 0.01;
  const report = emptyReport();
  const hours: number[] = [];
  let batch: HistoricalCase[] = [];
  let maxDev = -1;
  // One batch is written while the next is parsed: on PostgreSQL the write waits on the server,
  // and parsing meanwhile hides most of the parse time. Writes stay one at a time and in order,
  // and a failed write still aborts the import (at the next flush, or at the end).
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return writing;
    const b = batch;
    const rowsSoFar = report.rows;
    batch = [];
    const prepared = opts.prepare?.(b);
    await writing;
    writing = opts.insert(b, prepared).then(() => opts.onProgress?.(rowsSoFar));
    // Nobody awaits it until the next flush: keep a failure from counting as unhandled meanwhile.
    writing.catch(() => {});
  };
  try {
    for await (const outcome of parseHistoricalCsv(input, opts.mapping ?? {}, opts)) {
      report.rows++;
      if (!outcome.ok) {
        report.rejected++;
        if (report.rejections.length < 100) report.rejections.push(outcome.rejection);
        continue;
      }
      const r = outcome.record;
      report.imported++;
      report.states[r.state]++;
      if (r.state === 'cancelled' || r.state === 'referred') report.rules[r.state]++;
      for (const f of r.flags) report.rules[f]++;
      if (r.spansOffsetChange) report.spansOffsetChange++;
      if (r.countsForHandlingTime) hours.push(r.elapsedHours!);
      if (r.elapsedHours !== null && r.sourceHoursToClose !== null) {
        report.handlingTime.compared++;
        const dev = Math.abs(r.elapsedHours - r.sourceHoursToClose);
        if (dev > maxDev) maxDev = dev;
        if (dev > tolerance) report.handlingTime.overTolerance++;
      }
      batch.push(r);
      if (batch.length >= batchSize) await flush();
      // The parser feeds this loop through promises and nextTicks only, which never let the event
      // loop poll for I/O: the database's answer to the write in flight would wait until the loop
      // next blocks, at the following batch, and the writes would run after the parse instead of
      // beside it. A pause every few hundred records lets them through.
      else if (report.rows % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await flush();
  } finally {
    // Never return (or throw) while a write is still running: the caller may close the database.
    await writing.catch(() => {});
  }
  await writing;
  hours.sort((a, b) => a - b);
  report.handlingTime.included = hours.length;
  report.handlingTime.medianHours = percentileCont(hours, 0.5);
  report.handlingTime.p90Hours = percentileCont(hours, 0.9);
  report.handlingTime.maxDeviationHours = maxDev < 0 ? null : maxDev;
  return report;
}
