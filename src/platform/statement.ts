/**
 * A piece of one SQL statement that another module writes: a command that does all its writes in
 * one statement (data-modifying CTEs: one round trip instead of one per table) asks the module that
 * owns a table for the INSERT of its row, with the parameters numbered from where the statement has
 * got to. The fragment reads what only the statement knows (a new row's id) from a row source of the
 * statement, named in `from`.
 */
export interface StatementPart {
  /** An INSERT … SELECT … FROM <source>, without a trailing semicolon. */
  sql: string;
  params: unknown[];
}

/** Where a fragment reads the statement's own values: `FROM ins`, and SQL expressions over it. */
export interface RowSource {
  from: string;
}

/** The placeholder for the i-th (0-based) of a fragment's parameters when they start at `first`. */
export const placeholder = (first: number) => (i: number): string => `$${first + i}`;
