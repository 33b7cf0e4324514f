/**
 * Setting a table's indexes and foreign keys aside for a bulk load and putting them back, for the
 * historical import's `--bulk` and the bench's synthetic cases. Each is recreated from its own
 * definition as the catalogue gives it (pg_get_indexdef / pg_get_constraintdef, comments too), so
 * what stands afterwards is exactly what the migrations created, whichever migration added it.
 * DROP INDEX and ALTER TABLE are transactional: run both halves in the load's one transaction and
 * an interrupted load leaves everything as it was.
 */
import type { Sql } from '../../platform/db.js';

export interface AsideItem {
  kind: 'index' | 'fk' | 'trigger';
  table: string;
  name: string;
  def: string;
  comment: string | null;
}

export interface SetAside {
  items: AsideItem[];
  indexes: number;
  foreignKeys: number;
}

export interface AsideOptions {
  /**
   * 'costly': only indexes that are not btrees and not unique (trigram GIN, GiST, array GINs: the
   * ones that cost most per row). 'all': every index that backs no constraint (primary keys and
   * unique constraints stay, with their checks).
   */
  indexes: 'costly' | 'all';
  /** Row triggers to disable for the load (enabled ones only), by table and name. */
  triggers?: Array<{ table: string; name: string }>;
}

/** What `setAside` would take, in a stable order: also how a caller checks the restore. */
export async function asideCandidates(tx: Sql, tables: readonly string[], o: AsideOptions): Promise<AsideItem[]> {
  const costly = o.indexes === 'costly'
    ? `AND NOT i.indisunique AND (SELECT a.amname FROM pg_class ic JOIN pg_am a ON a.oid = ic.relam WHERE ic.oid = i.indexrelid) <> 'btree'`
    : '';
  const trig = o.triggers ?? [];
  const r = await tx.query<AsideItem>(
    `SELECT 'index' AS kind, i.indrelid::regclass::text AS table, i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def,
            obj_description(i.indexrelid, 'pg_class') AS comment
       FROM pg_index i
      WHERE i.indrelid = ANY (SELECT to_regclass(t) FROM unnest($1::text[]) AS t) AND NOT i.indisprimary AND i.indisvalid ${costly}
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
     UNION ALL
     SELECT 'fk', k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid), obj_description(k.oid, 'pg_constraint')
       FROM pg_constraint k
      WHERE k.contype = 'f' AND k.conrelid = ANY (SELECT to_regclass(t) FROM unnest($1::text[]) AS t)
     UNION ALL
     SELECT 'trigger', g.tgrelid::regclass::text, quote_ident(g.tgname), '', NULL
       FROM pg_trigger g JOIN unnest($2::text[], $3::text[]) AS w(tbl, name) ON g.tgrelid = to_regclass(w.tbl) AND g.tgname = w.name
      WHERE g.tgenabled = 'O'
     ORDER BY 1 DESC, 2, 3`,
    [tables, trig.map((t) => t.table), trig.map((t) => t.name)],
  );
  return r.rows;
}

/** Drops (or disables) what `asideCandidates` lists, in one script. */
export async function setAside(tx: Sql, tables: readonly string[], o: AsideOptions): Promise<SetAside> {
  const items = await asideCandidates(tx, tables, o);
  const drop = items.map((f) =>
    f.kind === 'index' ? `DROP INDEX ${f.name}` : f.kind === 'trigger' ? `ALTER TABLE ${f.table} DISABLE TRIGGER ${f.name}` : `ALTER TABLE ${f.table} DROP CONSTRAINT ${f.name}`,
  );
  // One script: on a loaded server every round trip costs a scheduling delay.
  if (drop.length > 0) await tx.exec(drop.join(';\n'));
  return { items, indexes: items.filter((f) => f.kind === 'index').length, foreignKeys: items.filter((f) => f.kind === 'fk').length };
}

/**
 * Puts everything back: indexes first (a foreign key re-added then validates against a table with
 * its indexes), one statement at a time (each gets the whole statement timeout). `each` hears how
 * long every item took.
 */
export async function putBack(tx: Sql, aside: SetAside, each?: (name: string, ms: number) => void): Promise<void> {
  const q = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const order = { index: 0, fk: 1, trigger: 2 } as const;
  for (const f of [...aside.items].sort((a, b) => order[a.kind] - order[b.kind])) {
    const t0 = performance.now();
    if (f.kind === 'index') {
      await tx.exec(f.def);
      if (f.comment !== null) await tx.exec(`COMMENT ON INDEX ${f.name} IS ${q(f.comment)}`);
    } else if (f.kind === 'fk') {
      await tx.exec(`ALTER TABLE ${f.table} ADD CONSTRAINT ${f.name} ${f.def}`);
      if (f.comment !== null) await tx.exec(`COMMENT ON CONSTRAINT ${f.name} ON ${f.table} IS ${q(f.comment)}`);
    } else await tx.exec(`ALTER TABLE ${f.table} ENABLE TRIGGER ${f.name}`);
    each?.(f.name, performance.now() - t0);
  }
}
