/** The demo seeder's own SQL (reads only: every write goes through intake and the workflow commands). */
import type { Sql } from '../../../platform/db.js';

export async function anyCase(sql: Sql): Promise<boolean> {
  const r = await sql.query<{ x: number }>('SELECT 1 AS x FROM case_file LIMIT 1');
  return r.rows.length > 0;
}

export async function countByState(sql: Sql): Promise<Record<string, number>> {
  const r = await sql.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM case_file GROUP BY state ORDER BY state');
  return Object.fromEntries(r.rows.map((x) => [x.state, Number(x.n)]));
}
