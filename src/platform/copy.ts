/**
 * COPY … FROM in PostgreSQL's text format, for both engines (Database.copyFrom in db.ts): the
 * encoding of rows into that format, and the two transports (pg-copy-streams on a `pg` client,
 * PGlite's `/dev/blob`). A bulk write sends its rows as data, not as SQL the server has to parse:
 * the historical import stages each batch this way (docs/performance.md, "Historical import").
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyStream } from 'pg-copy-streams';

/** One field: null and undefined are SQL NULL; a Date is sent as its ISO instant (timestamptz). */
export type CopyValue = string | number | bigint | boolean | Date | null | undefined;

/**
 * The rows to copy: an array or (async) iterable of rows, each a value per column; or bytes
 * already in the text format (lines made with `copyLine`, UTF-8), for a caller that encodes ahead.
 */
export type CopyRows = Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]> | Uint8Array;

// The text format's specials: the column delimiter, the row end, and the escape character itself.
// A lone CR is escaped too: the server would take it for a row end.
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in the text format: `\N` for NULL, the specials escaped. */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') {
    // PostgreSQL text cannot hold U+0000 (the server would refuse the whole COPY with an encoding
    // error that names no column): say so here.
    if (v.includes('\u0000')) throw new Error('copyFrom: a value contains a NUL character, which PostgreSQL text cannot store');
    return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPED[c]!) : v;
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`copyFrom: ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  return v.toISOString();
}

/** One row in the text format, with its line end. */
export function copyLine(values: readonly CopyValue[]): string {
  let s = '';
  for (let i = 0; i < values.length; i++) s += (i === 0 ? '' : '\t') + copyField(values[i]);
  return s + '\n';
}

const CHUNK = 1 << 16;

/** The rows as text-format chunks of about 64 KB (one chunk per row would be a write per row). */
export async function* copyChunks(rows: CopyRows, columns: number): AsyncGenerator<Buffer> {
  if (rows instanceof Uint8Array) {
    for (let i = 0; i < rows.length; i += 1 << 20) yield Buffer.from(rows.buffer, rows.byteOffset + i, Math.min(1 << 20, rows.length - i));
    return;
  }
  let s = '';
  for await (const row of rows) {
    if (row.length !== columns) throw new Error(`copyFrom: a row has ${row.length} values for ${columns} columns`);
    s += copyLine(row);
    if (s.length >= CHUNK) {
      yield Buffer.from(s, 'utf8');
      s = '';
    }
  }
  if (s.length > 0) yield Buffer.from(s, 'utf8');
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `COPY "table" ("a", "b") FROM <source>`: names checked and quoted, never spliced raw. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new Error(`copyFrom: '${table}' is not a table name`);
  if (columns.length === 0) throw new Error('copyFrom: no columns');
  for (const c of columns) if (!IDENT.test(c)) throw new Error(`copyFrom: '${c}' is not a column name`);
  const q = (n: string) => `"${n}"`;
  return `COPY ${parts.map(q).join('.')} (${columns.map(q).join(', ')}) FROM ${source}`;
}

/** COPY on a `pg` client (checked out of the pool, or a transaction's): returns the rows copied. */
export async function copyFromPg(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[], rows: CopyRows): Promise<number> {
  const stream = client.query(copyStream(copyStatement(table, columns, 'STDIN')));
  // pipeline destroys the COPY stream when encoding fails (a bad value): pg-copy-streams then
  // sends CopyFail, so the server ends the COPY and the connection stays usable.
  await pipeline(Readable.from(copyChunks(rows, columns.length)), stream);
  return stream.rowCount;
}

/** What PGlite (or one of its transactions) offers for COPY: a query with a blob. */
export interface PgliteCopyTarget {
  query(text: string, params: unknown[], options: { blob: Blob }): Promise<{ affectedRows?: number }>;
}

/**
 * COPY on PGlite: the data goes in as a Blob read at `/dev/blob` (PGlite's stand-in for STDIN),
 * so it is gathered in memory first: send large loads in batches.
 */
export async function copyFromPglite(target: PgliteCopyTarget, table: string, columns: readonly string[], rows: CopyRows): Promise<number> {
  const statement = copyStatement(table, columns, `'/dev/blob'`);
  const parts: Buffer[] = [];
  for await (const c of copyChunks(rows, columns.length)) parts.push(c);
  const r = await target.query(statement, [], { blob: new Blob(parts) });
  return r.affectedRows ?? 0;
}
