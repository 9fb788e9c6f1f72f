/**
 * SQL shared by the SQLite and Postgres adapters: the relationship table's columns, the
 * WHERE clause for a RelationshipFilter at a revision, and cursor/order clauses. Both
 * dialects use the same table layout, so only parameters, id lists and "now" differ.
 */
import { ELLIPSIS, type RelationshipFilter } from '../core/index.js';
import type { QueryCursor, QueryOrder } from './store.js';

/** Collects bind parameters and hands back the dialect's placeholder for each. */
export interface SqlParams {
  readonly values: unknown[];
  add(value: unknown): string;
}

export interface SqlDialect {
  params(): SqlParams;
  /** `column IN (...)` for a non-empty list of ids. */
  inList(column: string, values: readonly string[], p: SqlParams): string;
  /** An expression for the datastore clock in epoch milliseconds. */
  nowMs(p: SqlParams): string;
  /** The FROM target for a filter, where a dialect needs to steer its planner to an index. */
  source?(filter: RelationshipFilter): string;
}

export const REL_COLUMNS =
  'resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name, caveat_context, expires_at';

export const KEY_COLUMNS = ['resource_type', 'resource_id', 'relation', 'subject_type', 'subject_id', 'subject_relation'] as const;

const ORDER_COLUMNS: Record<QueryOrder, readonly string[]> = {
  resource: KEY_COLUMNS,
  subject: ['subject_type', 'subject_id', 'subject_relation', 'resource_type', 'resource_id', 'relation'],
};

export function orderBy(order: QueryOrder): string {
  return ORDER_COLUMNS[order].join(', ');
}

/** Values of a relationship's key columns in `order`, for cursors. */
function cursorValues(c: QueryCursor, order: QueryOrder): string[] {
  const r = [c.resource.type, c.resource.id, c.relation];
  const s = [c.subject.type, c.subject.id, c.subject.relation ?? ELLIPSIS];
  return order === 'resource' ? [...r, ...s] : [...s, r[0]!, r[1]!, r[2]!];
}

/** Row-value comparison: strictly after the cursor in `order`. */
export function afterClause(c: QueryCursor, order: QueryOrder, p: SqlParams): string {
  const cols = ORDER_COLUMNS[order];
  const vals = cursorValues(c, order).map((v) => p.add(v));
  return `(${cols.join(', ')}) > (${vals.join(', ')})`;
}

/**
 * The smallest string greater than every string starting with `prefix` (by code unit),
 * or undefined when there is none we can express simply.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    // Stay in the ASCII range so byte order and code-unit order agree in both databases.
    if (c < 0x7f) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

/** Rows alive at `revision`: created at or before it and not deleted by then. */
export function aliveAt(revision: number, p: SqlParams): string {
  return `created_rev <= ${p.add(revision)} AND (deleted_rev IS NULL OR deleted_rev > ${p.add(revision)})`;
}

export function notExpired(now: string): string {
  return `(expires_at IS NULL OR expires_at > ${now})`;
}

/**
 * Conditions for the filter's own fields (no revision or expiry), or `undefined` when the
 * filter can never match (an empty id list).
 */
export function filterConditions(f: RelationshipFilter, d: SqlDialect, p: SqlParams): string[] | undefined {
  const out: string[] = [];
  if (f.resourceType) out.push(`resource_type = ${p.add(f.resourceType)}`);
  if (f.resourceIds !== undefined) {
    if (f.resourceIds.length === 0) return undefined;
    out.push(d.inList('resource_id', f.resourceIds, p));
  }
  if (f.resourceIdPrefix) {
    out.push(`resource_id >= ${p.add(f.resourceIdPrefix)}`);
    const upper = prefixUpperBound(f.resourceIdPrefix);
    if (upper !== undefined) out.push(`resource_id < ${p.add(upper)}`);
    out.push(`substr(resource_id, 1, ${f.resourceIdPrefix.length}) = ${p.add(f.resourceIdPrefix)}`);
  }
  if (f.relation) out.push(`relation = ${p.add(f.relation)}`);
  const s = f.subject;
  if (s) {
    if (s.type) out.push(`subject_type = ${p.add(s.type)}`);
    if (s.ids !== undefined) {
      if (s.ids.length === 0) return undefined;
      out.push(d.inList('subject_id', s.ids, p));
    }
    if (s.relation !== undefined) out.push(`subject_relation = ${p.add(s.relation === '' ? ELLIPSIS : s.relation)}`);
  }
  if (f.caveatName !== undefined) out.push(f.caveatName === null ? 'caveat_name IS NULL' : `caveat_name = ${p.add(f.caveatName)}`);
  if (f.hasExpiration !== undefined) out.push(f.hasExpiration ? 'expires_at IS NOT NULL' : 'expires_at IS NULL');
  return out;
}

export interface SelectSpec {
  readonly filter: RelationshipFilter;
  /** Rows alive at this revision. */
  readonly revision: number;
  readonly order: QueryOrder;
  readonly after?: QueryCursor;
  readonly limit?: number;
}

/** A full SELECT of live relationship rows, or undefined when nothing can match. */
export function buildSelect(spec: SelectSpec, d: SqlDialect, columns = REL_COLUMNS): { sql: string; values: unknown[] } | undefined {
  const p = d.params();
  const where = filterConditions(spec.filter, d, p);
  if (!where) return undefined;
  where.push(aliveAt(spec.revision, p), notExpired(d.nowMs(p)));
  if (spec.after) where.push(afterClause(spec.after, spec.order, p));
  let sql = `SELECT ${columns} FROM ${d.source?.(spec.filter) ?? 'relationships'} WHERE ${where.join(' AND ')} ORDER BY ${orderBy(spec.order)}`;
  if (spec.limit !== undefined) sql += ` LIMIT ${p.add(spec.limit)}`;
  return { sql, values: p.values };
}

/**
 * Several plain reads at one revision in one statement (UNION ALL), each row tagged with the
 * index of the filter it answers in a trailing `part` column. Filters that can never match (an
 * empty id list) are left out. Undefined when none is left.
 */
export function buildBatchSelect(
  filters: readonly RelationshipFilter[],
  revision: number,
  d: SqlDialect,
): { sql: string; values: unknown[] } | undefined {
  const p = d.params();
  const parts: string[] = [];
  filters.forEach((filter, i) => {
    // Checked first: a filter that cannot match must not leave its parameters behind.
    if (filter.resourceIds?.length === 0 || filter.subject?.ids?.length === 0) return;
    const where = filterConditions(filter, d, p);
    if (!where) return;
    where.push(aliveAt(revision, p), notExpired(d.nowMs(p)));
    parts.push(`SELECT ${REL_COLUMNS}, ${i} AS part FROM ${d.source?.(filter) ?? 'relationships'} WHERE ${where.join(' AND ')}`);
  });
  if (parts.length === 0) return undefined;
  return { sql: `${parts.join(' UNION ALL ')} ORDER BY part, ${orderBy('resource')}`, values: p.values };
}

export function buildCount(filter: RelationshipFilter, revision: number, d: SqlDialect): { sql: string; values: unknown[] } | undefined {
  const p = d.params();
  const where = filterConditions(filter, d, p);
  if (!where) return undefined;
  where.push(aliveAt(revision, p), notExpired(d.nowMs(p)));
  return { sql: `SELECT count(*) AS n FROM ${d.source?.(filter) ?? 'relationships'} WHERE ${where.join(' AND ')}`, values: p.values };
}
