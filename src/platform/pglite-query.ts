/**
 * One statement on PGlite in one call into the engine. PGlite's own `query()` makes six calls per
 * statement (Parse, Describe statement, Bind, Describe portal, Execute, Sync, each its own pass
 * through the engine's main loop and its own response parse) so that it can serialise parameters
 * by their described types. Here the messages go in one buffer and parameters are sent untyped, as
 * text, the way node-postgres sends them to a PostgreSQL server (its `prepareValue`): the server
 * infers their types from the statement, so both engines see the same values. A statement whose
 * text begins with db.ts's PREPARED comment is parsed once under a name and from then on only
 * bound and executed, as on PostgreSQL.
 *
 * Measured (docs/performance.md, "Intake on the embedded engine"): a one-row SELECT costs 0.03 ms
 * this way against 0.28 ms through `query()`.
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { serialize } from 'pg-protocol';

interface Field {
  name: string;
  dataTypeID: number;
}
type Message =
  | { name: 'rowDescription'; fields: Field[] }
  | { name: 'dataRow'; fields: (string | null)[] }
  | { name: 'commandComplete'; text: string }
  | { name: string };

type Parser = (value: string, typeId: number) => unknown;

/** What PGlite has at run time but does not declare: checked once when the database opens. */
interface PgliteInternals {
  parsers: Record<number, Parser>;
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface PgliteQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
}

export interface PgliteStatements {
  /** A statement outside any transaction: waits for an open transaction to end, as `query()` does. */
  query(text: string, params: readonly unknown[] | undefined, prepared: boolean): Promise<PgliteQueryResult>;
  /** A statement inside the transaction (or session) PGlite's `transaction()` holds open. */
  queryInTx(text: string, params: readonly unknown[] | undefined, prepared: boolean): Promise<PgliteQueryResult>;
}

const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue;

export function pgliteStatements(db: PGlite, nameOf: (text: string) => string): PgliteStatements {
  const internals = db as unknown as PgliteInternals;
  if (typeof internals._runExclusiveTransaction !== 'function' || typeof internals.runExclusive !== 'function' || !internals.parsers) {
    throw new Error('this PGlite version lacks the query internals gongzhi uses (platform/pglite-query.ts): check the pinned version');
  }
  // Named statements live as long as the engine's one session; a failed Parse names nothing.
  const named = new Map<string, string>();

  const run = async (text: string, params: readonly unknown[] | undefined, prepared: boolean, inTx: boolean): Promise<PgliteQueryResult> => {
    let name = prepared ? named.get(text) : undefined;
    const parts: Buffer[] = [];
    let parsing: string | undefined;
    if (prepared && name === undefined) {
      parsing = nameOf(text);
      // A first run that parsed but then failed (a bad value, a constraint) left the name behind
      // without it being remembered here: close it first (closing no statement is no error).
      parts.push(serialize.close({ type: 'S', name: parsing }), serialize.parse({ name: parsing, text }));
      name = parsing;
    } else if (!prepared) {
      parts.push(serialize.parse({ text }));
    }
    const values = (params ?? []).map((v) => prepareValue(v)) as (string | Buffer | null)[];
    parts.push(serialize.bind({ statement: name ?? '', values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    const { messages } = await db.execProtocol(new Uint8Array(Buffer.concat(parts)), { syncToFs: false });
    if (parsing) named.set(text, parsing);
    if (!inTx) await db.syncToFs();
    return toResult(messages as Message[], internals.parsers);
  };

  return {
    query: (text, params, prepared) => internals._runExclusiveTransaction(() => internals.runExclusive(() => run(text, params, prepared, false))),
    queryInTx: (text, params, prepared) => internals.runExclusive(() => run(text, params, prepared, true)),
  };
}

function toResult(messages: readonly Message[], parsers: Record<number, Parser>): PgliteQueryResult {
  let fields: Field[] = [];
  let fieldParsers: (Parser | undefined)[] = [];
  const rows: Record<string, unknown>[] = [];
  let command = '';
  let rowCount = 0;
  for (const m of messages) {
    if (m.name === 'rowDescription') {
      fields = (m as { fields: Field[] }).fields;
      fieldParsers = fields.map((f) => parsers[f.dataTypeID]);
    } else if (m.name === 'dataRow') {
      const values = (m as { fields: (string | null)[] }).fields;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) {
        const v = values[i];
        const parse = fieldParsers[i];
        row[fields[i]!.name] = v === null || v === undefined ? null : parse ? parse(v, fields[i]!.dataTypeID) : v;
      }
      rows.push(row);
    } else if (m.name === 'commandComplete') {
      // "INSERT 0 5", "UPDATE 3", "SELECT 2", "BEGIN": the count is the last word when there is one.
      const words = (m as { text: string }).text.split(' ');
      command = words[0]!;
      const n = Number(words[words.length - 1]);
      rowCount = Number.isInteger(n) ? n : 0;
    }
  }
  return { rows, rowCount: command === 'SELECT' ? rows.length : rowCount, command };
}
