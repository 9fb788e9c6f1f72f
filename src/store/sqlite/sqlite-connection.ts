/**
 * One better-sqlite3 connection with a prepared-statement cache, the SQLite dialect of the
 * shared SQL builder, and translation of driver errors into Trellis errors.
 */
import { DatastoreUnavailableError, isTrellisError } from '../../core/index.js';
import type { RelationshipFilter } from '../../core/index.js';
import { buildSelect, type SqlDialect, type SqlParams } from '../sql-filter.js';
import type { SelectShape } from './select-shape.js';
import type { ReachBatch } from '../reach.js';
import { sqliteReachSql, type ReachBindings } from '../reach-sql.js';
import { sqliteErrorCode, type SqliteDatabase, type SqliteStatement } from './driver.js';

const STATEMENT_CACHE_SIZE = 500;
/** Id lists up to this length bind one placeholder per id; longer ones go through json_each. */
export const MAX_INLINE_IDS = 64;

class PositionalParams implements SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return '?';
  }
}

export function inlineSize(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/**
 * Id lists are padded to a power of two by repeating the last id (IN ignores duplicates),
 * so the number of distinct statement shapes stays small and each stays prepared.
 * "now" is the process clock (SQLite has no server), injectable for tests.
 */
export function sqliteDialect(clock: () => number): SqlDialect {
  return {
    params: () => new PositionalParams(),
    inList(column, values, p) {
      if (values.length === 1) return `${column} = ${p.add(values[0])}`;
      if (values.length > MAX_INLINE_IDS) return `${column} IN (SELECT value FROM json_each(${p.add(JSON.stringify(values))}))`;
      const size = inlineSize(values.length);
      const last = values[values.length - 1];
      const marks: string[] = [];
      for (let i = 0; i < size; i++) marks.push(p.add(i < values.length ? values[i] : last));
      return `${column} IN (${marks.join(', ')})`;
    },
    nowMs: (p) => p.add(clock()),
    // Without statistics SQLite prefers the primary key for (resource type, relation) even when
    // the subject ids pin down a handful of rows in the subject index: reverse lookups took
    // tens of milliseconds at 100k rows instead of microseconds.
    source: (f) =>
      f.subject?.type && f.subject.ids !== undefined && f.resourceIds === undefined && !f.resourceIdPrefix
        ? 'relationships INDEXED BY relationships_by_subject'
        : 'relationships',
  };
}

export function isBusy(e: unknown): boolean {
  const code = sqliteErrorCode(e);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Driver errors never leave the store: busy becomes retryable unavailability, the rest too. */
export function translateSqliteError(e: unknown): unknown {
  if (isTrellisError(e)) return e;
  const code = sqliteErrorCode(e);
  if (code === undefined) return e;
  if (isBusy(e)) return new DatastoreUnavailableError('the SQLite database is locked by another writer', { cause: e });
  return new DatastoreUnavailableError(`SQLite error ${code}: ${(e as Error).message}`, { cause: e });
}

/** better-sqlite3's single-column mode (each row is its first column's value); not in the narrow driver slice. */
interface PluckStatement extends SqliteStatement {
  pluck(toggle: boolean): SqliteStatement;
}

export class SqliteConnection {
  private readonly statements = new Map<string, SqliteStatement>();
  /** Single-column statements whose rows are bare values (`allColumn`). */
  private readonly pluckStatements = new Map<string, SqliteStatement>();
  /** Raw mode is a property of the prepared statement, so array-row reads get their own copies. */
  private readonly rawStatements = new Map<string, SqliteStatement>();
  /** Fast-path statements by shape key (a few dozen shapes at most). */
  private readonly shapedStatements = new Map<string, SqliteStatement>();
  /** Reachability statements by query key. */
  private readonly reachStatements = new Map<string, SqliteStatement>();
  readonly dialect: SqlDialect;

  constructor(
    readonly db: SqliteDatabase,
    readonly clock: () => number = Date.now,
  ) {
    this.dialect = sqliteDialect(clock);
  }

  statement(sql: string): SqliteStatement {
    return this.cached(this.statements, sql, false);
  }

  private cached(cache: Map<string, SqliteStatement>, sql: string, raw: boolean | 'pluck'): SqliteStatement {
    let s = cache.get(sql);
    if (s === undefined) {
      try {
        s = this.db.prepare(sql);
        if (raw === 'pluck') (s as PluckStatement).pluck(true);
        else if (raw) s.raw(true);
      } catch (e) {
        throw translateSqliteError(e);
      }
      if (cache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(sql, s);
    }
    return s;
  }

  /**
   * `allRaw` for a fast-path shape: the statement is found by the short shape key, and the SQL
   * is built (by the general builder, from `filter`) only the first time a shape is seen.
   */
  allShaped<T extends readonly unknown[]>(shape: SelectShape, filter: RelationshipFilter): T[] {
    let s = this.shapedStatements.get(shape.key);
    if (s === undefined) {
      const q = buildSelect({ filter, revision: 0, order: 'resource' }, this.dialect);
      if (!q) return [];
      s = this.cached(this.rawStatements, q.sql, true);
      this.shapedStatements.set(shape.key, s);
    }
    try {
      return s.all(...shape.values) as T[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  /** `allShaped` for a batch of shapes (one UNION ALL statement); `build` makes its SQL once. */
  allBatchShaped<T extends readonly unknown[]>(key: string, values: readonly unknown[], build: () => string): T[] {
    let s = this.shapedStatements.get(key);
    if (s === undefined) {
      s = this.cached(this.rawStatements, build(), true);
      this.shapedStatements.set(key, s);
    }
    try {
      return s.all(...values) as T[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  /**
   * The one row of a reachability statement, prepared once per batch key: per part, [max depth,
   * min caveated flag of what reached the subject (null: nothing)]. Undefined when a part is too
   * large for one statement (`sqliteReachSql`).
   */
  reachRow(batch: ReachBatch, values: ReachBindings): readonly (number | null)[] | undefined {
    let s = this.reachStatements.get(batch.key);
    if (s === undefined) {
      const sql = sqliteReachSql(batch);
      if (sql === undefined) return undefined;
      s = this.cached(this.rawStatements, sql, true);
      if (this.reachStatements.size >= STATEMENT_CACHE_SIZE) this.reachStatements.clear();
      this.reachStatements.set(batch.key, s);
    }
    try {
      return s.get(values) as (number | null)[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  /** Rows as arrays in the order of the SELECT's columns (hot reads: cheaper than objects). */
  allRaw<T extends readonly unknown[]>(sql: string, values: readonly unknown[] = []): T[] {
    try {
      return this.cached(this.rawStatements, sql, true).all(...values) as T[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  /**
   * The values of a one-column SELECT, as a flat array: no array per row, which halves the cost
   * of a 100k-row id read.
   */
  allColumn<T>(sql: string, values: readonly unknown[] = []): T[] {
    try {
      return this.cached(this.pluckStatements, sql, 'pluck').all(...values) as T[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  all<T>(sql: string, values: readonly unknown[] = []): T[] {
    try {
      return this.statement(sql).all(...values) as T[];
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  get<T>(sql: string, values: readonly unknown[] = []): T | undefined {
    try {
      return this.statement(sql).get(...values) as T | undefined;
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  run(sql: string, values: readonly unknown[] = []): number {
    try {
      return this.statement(sql).run(...values).changes;
    } catch (e) {
      throw translateSqliteError(e);
    }
  }

  /** Raw exec for transaction control; errors are left to the caller (busy needs retrying). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.statements.clear();
    this.rawStatements.clear();
    this.pluckStatements.clear();
    this.shapedStatements.clear();
    this.reachStatements.clear();
    this.db.close();
  }
}
