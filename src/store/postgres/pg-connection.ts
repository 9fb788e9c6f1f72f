/**
 * Query helpers over a pool or a transaction client: the Postgres dialect of the shared
 * SQL builder, prepared-statement names, and error translation on every call.
 */
import { createHash } from 'node:crypto';
import type { SqlDialect, SqlParams } from '../sql-filter.js';
import type { PgQueryable } from './driver.js';
import { translatePgError } from './pg-errors.js';

class NumberedParams implements SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Id lists bind as one array parameter, so every list length shares one statement. */
export const pgDialect: SqlDialect = {
  params: () => new NumberedParams(),
  inList: (column, values, p) => (values.length === 1 ? `${column} = ${p.add(values[0])}` : `${column} = ANY(${p.add(values)}::text[])`),
  // Expiration follows the database clock (reference §5.5), as SpiceDB's NOW() does.
  nowMs: () => '(extract(epoch from now()) * 1000)::bigint',
};

/** The database clock in epoch ms, as an SQL expression that advances within a transaction. */
export const CLOCK_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

const names = new Map<string, string>();

/** A stable prepared-statement name per SQL text, so hot queries are parsed once per connection. */
function statementName(sql: string): string {
  let n = names.get(sql);
  if (n === undefined) {
    n = `trellis_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    if (names.size < 2000) names.set(sql, n);
  }
  return n;
}

export async function pgQuery<R>(db: PgQueryable, sql: string, values: readonly unknown[] = [], prepare = true): Promise<R[]> {
  try {
    const res = await db.query<R>(prepare ? { text: sql, values, name: statementName(sql) } : { text: sql, values });
    return res.rows;
  } catch (e) {
    throw translatePgError(e);
  }
}

export async function pgExec(db: PgQueryable, sql: string, values: readonly unknown[] = []): Promise<number> {
  try {
    return (await db.query({ text: sql, values })).rowCount ?? 0;
  } catch (e) {
    throw translatePgError(e);
  }
}
