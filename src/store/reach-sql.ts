/**
 * Reachability queries (./reach.ts) from one object as one `WITH RECURSIVE` statement, on SQLite
 * and on Postgres. Each part of a batch is a recursive table `n<i>` of nodes; each hop and
 * terminal is one term of its recursive step, gated on the node's (type, member) and joined to
 * the relationships table on the primary key's prefix (resource type, id, relation, subject
 * type): an index seek per node and term that applies.
 *
 * - SQLite: the recursive step is a compound SELECT of the terms, each `n CROSS JOIN
 *   relationships`, which pins the join order (node first, then the seek).
 * - Postgres allows one reference to the recursive table, so the terms are a UNION ALL inside
 *   `n CROSS JOIN LATERAL (...)`; strings are cast to the key columns' "C" collation.
 *
 * Terminal rows are nodes with an empty type and member; a node's `cav` is 1 when its path
 * crossed a caveated relationship. Nested nodes are not expanded (see `nestedParts`). The
 * statement returns one row, two columns per part: the deepest node's depth, and the least
 * `cav` among terminal rows and nested nodes that contain the subject (null when none was
 * reached).
 */
import { ELLIPSIS, WILDCARD_ID } from '../core/index.js';
import type { ReachBatch, ReachNested, ReachQuery, ReachResult } from './reach.js';

/** Binds: the object, the subject and the revision (and, on SQLite, the clock). */
export interface ReachBindings {
  readonly type: string;
  readonly id: string;
  readonly stype: string;
  readonly sid: string;
  readonly rev: number;
  /** Epoch milliseconds: relationships expiring at or before it are gone (SQLite; Postgres uses its own clock). */
  readonly now: number;
}

/** SQLite's default limit on the terms of one compound SELECT (SQLITE_MAX_COMPOUND_SELECT). */
export const MAX_REACH_TERMS = 500;

interface ReachDialect {
  param(name: Exclude<keyof ReachBindings, 'now'>): string;
  /** The expiry clock in epoch ms. */
  readonly now: string;
  /** A string column of the recursive table. */
  str(expr: string): string;
  /** A column compared without its index: the seek stops at the columns before it. */
  unindexed(column: string): string;
  /** Appended to a seed: Postgres must see every bound parameter to type it, whichever terms exist. */
  readonly seedGuard: string;
  /** The recursive step of table `name` from its terms (each a SELECT that may refer to the node as `n`). */
  step(terms: readonly { select: string; from: string; where: string }[], name: string): string;
}

const SQLITE: ReachDialect = {
  param: (name) => `@${name}`,
  now: '@now',
  str: (e) => e,
  unindexed: (c) => `+${c}`,
  seedGuard: '',
  step: (terms, name) => terms.map((t) => `SELECT ${t.select} FROM ${name} AS n CROSS JOIN ${t.from} WHERE ${t.where}`).join(' UNION '),
};

const PG_PARAMS: Record<Exclude<keyof ReachBindings, 'now'>, string> = {
  type: '$1',
  id: '$2',
  stype: '$3',
  sid: '$4',
  rev: '$5::bigint',
};

const POSTGRES: ReachDialect = {
  param: (name) => PG_PARAMS[name],
  now: '(extract(epoch from now()) * 1000)::bigint',
  str: (e) => `(${e})::text COLLATE "C"`,
  unindexed: (c) => c,
  seedGuard: ' WHERE ($3::text, $4::text, $5::bigint) IS NOT NULL',
  step: (terms, name) =>
    `SELECT x.* FROM ${name} AS n CROSS JOIN LATERAL (${terms.map((t) => `SELECT ${t.select} FROM ${t.from} WHERE ${t.where}`).join(' UNION ALL ')}) AS x`,
};

/** The order of Postgres's bind values (no clock: the statement reads the database's). */
export function postgresReachValues(b: Omit<ReachBindings, 'now'>): unknown[] {
  return [b.type, b.id, b.stype, b.sid, b.rev];
}

/** The results from the statement's one row: a (depth, caveated) pair per part, either null when nothing matched. */
export function reachResults(row: readonly (number | null | undefined)[], parts: number): ReachResult[] {
  const out: ReachResult[] = [];
  for (let i = 0; i < parts; i++) {
    const caveated = row[2 * i + 1];
    out.push({
      found: caveated === null || caveated === undefined ? 'none' : Number(caveated) === 0 ? 'clean' : 'caveated',
      maxDepth: Number(row[2 * i] ?? 0),
    });
  }
  return out;
}

function text(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** One part's recursive table `n<i>` (its terms refer to it as `n`), or undefined when it has too many terms. */
function partTable(q: ReachQuery, member: string, name: string, d: ReachDialect, alive: string): string | undefined {
  const cav = 'CASE WHEN n.cav = 1 OR r.caveat_name IS NOT NULL THEN 1 ELSE 0 END';
  const onNode = (type: string, member: string) => `n.t = ${text(type)} AND n.m = ${text(member)}`;
  const on = (relation: string) => `r.resource_type = n.t AND r.resource_id = n.id AND r.relation = ${text(relation)}`;
  const terms: { select: string; from: string; where: string }[] = [];
  for (const h of q.hops) {
    const gate = `${onNode(h.fromType, h.fromMember)} AND n.k < ${q.depthLimit} AND ${on(h.relation)}`;
    const to = d.str(text(h.to));
    if (h.subjectRelation === undefined) {
      // An arrow: any subject relation, never the wildcard; a stray type ends the query's depth.
      // One seek on (resource, relation): every row it reads is followed or is a stray, as
      // writes are validated, so a seek per subject type would only cost more.
      const strays = h.strayTypes ?? [];
      const types = [...h.subjectTypes, ...strays].map(text).join(', ');
      const depth =
        strays.length === 0
          ? `n.k + ${h.depth}`
          : `CASE WHEN r.subject_type IN (${strays.map(text).join(', ')}) THEN ${q.depthLimit} ELSE n.k + ${h.depth} END`;
      terms.push({
        select: `${d.str('r.subject_type')}, ${d.str('r.subject_id')}, ${to}, ${depth}, ${cav}`,
        from: 'relationships r',
        where: `${gate} AND ${d.unindexed('r.subject_type')} IN (${types}) AND r.subject_id <> '${WILDCARD_ID}' AND ${alive}`,
      });
      continue;
    }
    for (const type of h.subjectTypes)
      terms.push({
        select: `${d.str(text(type))}, ${d.str('r.subject_id')}, ${to}, n.k + ${h.depth}, ${cav}`,
        from: 'relationships r',
        where: `${gate} AND r.subject_type = ${text(type)} AND r.subject_relation = ${text(h.subjectRelation)} AND ${alive}`,
      });
  }
  const empty = d.str("''");
  for (const t of q.terminals) {
    const ids = subjectIds(t, d);
    if (ids === undefined) continue;
    terms.push({
      select: `${empty}, ${empty}, ${empty}, n.k, ${cav}`,
      from: 'relationships r',
      where:
        `${onNode(t.fromType, t.fromMember)} AND ${on(t.relation)} AND r.subject_type = ${d.param('stype')}` +
        ` AND r.subject_id IN (${ids}) AND r.subject_relation = '${ELLIPSIS}' AND ${alive}`,
    });
  }
  if (terms.length + 1 > MAX_REACH_TERMS) return undefined;
  const seed = `SELECT ${d.str(d.param('type'))}, ${d.str(d.param('id'))}, ${d.str(text(member))}, 0, 0${d.seedGuard}`;
  const recursive = terms.length > 0 ? ` UNION ${d.step(terms, name)}` : '';
  return `${name}(t, id, m, k, cav) AS (${seed}${recursive})`;
}

/** The subject ids a terminal or nested kind matches (the subject, its type's wildcard), or undefined for none. */
function subjectIds(t: { readonly direct: boolean; readonly wildcard: boolean }, d: ReachDialect): string | undefined {
  const ids = [t.direct ? d.param('sid') : undefined, t.wildcard ? `'${WILDCARD_ID}'` : undefined].filter((x) => x !== undefined);
  return ids.length === 0 ? undefined : ids.join(', ');
}

function build(batch: ReachBatch, d: ReachDialect): string | undefined {
  const rev = d.param('rev');
  const alive = `r.created_rev <= ${rev} AND (r.deleted_rev IS NULL OR r.deleted_rev > ${rev}) AND (r.expires_at IS NULL OR r.expires_at > ${d.now})`;
  const tables: string[] = [];
  const ups = new UpTables(d, alive);
  const selects: string[] = [];
  for (const [i, part] of batch.parts.entries()) {
    const table = partTable(part.query, part.member, `n${i}`, d, alive);
    if (table === undefined) return undefined;
    tables.push(table);
    const nested = nestedParts(part.query, ups);
    selects.push(
      `(SELECT max(${nested.depth}) AS d, min(CASE WHEN n.t = '' THEN n.cav${nested.found} END) AS c FROM n${i} AS n${nested.joins}) AS a${i}`,
    );
  }
  const columns = batch.parts.map((_, i) => `a${i}.d AS d${i}, a${i}.c AS c${i}`).join(', ');
  return `WITH RECURSIVE ${[...tables, ...ups.tables].join(', ')} SELECT ${columns} FROM ${selects.join(' CROSS JOIN ')}`;
}

/**
 * Per nested kind and subject match, a recursive table `u<j>` of the objects whose relation
 * contains the subject: its own rows, then up through nested rows; `cav` is 1 when every way up
 * crosses a caveat. Parts of a batch share them.
 */
class UpTables {
  readonly tables: string[] = [];
  private readonly names = new Map<string, string>();

  constructor(
    private readonly d: ReachDialect,
    private readonly alive: string,
  ) {}

  /** The table's name, or undefined when the kind never holds the subject itself. */
  name(k: ReachNested): string | undefined {
    const ids = subjectIds(k, this.d);
    if (ids === undefined) return undefined;
    const key = JSON.stringify([k.type, k.relation, ids]);
    let u = this.names.get(key);
    if (u !== undefined) return u;
    u = `u${this.names.size}`;
    this.names.set(key, u);
    const d = this.d;
    const kind = `r.resource_type = ${text(k.type)} AND r.relation = ${text(k.relation)}`;
    this.tables.push(
      `${u}(id, cav) AS (` +
        `SELECT ${d.str('r.resource_id')}, CASE WHEN r.caveat_name IS NOT NULL THEN 1 ELSE 0 END FROM relationships r` +
        ` WHERE r.subject_type = ${d.param('stype')} AND r.subject_id IN (${ids}) AND r.subject_relation = '${ELLIPSIS}' AND ${kind} AND ${this.alive}` +
        ` UNION SELECT ${d.str('r.resource_id')}, CASE WHEN ${u}.cav = 1 OR r.caveat_name IS NOT NULL THEN 1 ELSE 0 END FROM ${u} CROSS JOIN relationships r` +
        ` WHERE r.subject_type = ${text(k.type)} AND r.subject_id = ${u}.id AND r.subject_relation = ${text(k.relation)} AND ${kind} AND ${this.alive})`,
    );
    return u;
  }
}

/**
 * What nested nodes (./reach.ts, ReachNested) add to a part's select: the up tables joined to
 * the nodes they contain, and the nodes' depth extended by their height in the nested-set index.
 */
function nestedParts(q: ReachQuery, ups: UpTables): { depth: string; found: string; joins: string } {
  const kinds = q.nested ?? [];
  if (kinds.length === 0) return { depth: 'n.k', found: '', joins: '' };
  const isKind = (k: ReachNested) => `n.t = ${text(k.type)} AND n.m = ${text(k.relation)}`;
  let found = '';
  let joins = ` LEFT JOIN nested_heights h ON (${kinds.map((k) => `(${isKind(k)})`).join(' OR ')}) AND h.object_type = n.t AND h.relation = n.m AND h.object_id = n.id`;
  const depth = `CASE ${kinds.map((k) => `WHEN ${isKind(k)} THEN n.k + ${k.depth} * coalesce(h.height, 0)`).join(' ')} ELSE n.k END`;
  for (const k of kinds) {
    const u = ups.name(k);
    if (u === undefined) continue;
    joins += ` LEFT JOIN ${u} ON ${isKind(k)} AND ${u}.id = n.id`;
    found += ` WHEN ${u}.id IS NOT NULL THEN CASE WHEN n.cav = 1 OR ${u}.cav = 1 THEN 1 ELSE 0 END`;
  }
  return { depth, found, joins };
}

/** The SQLite statement (named binds), or undefined when a part would have too many terms for one compound SELECT. */
export function sqliteReachSql(batch: ReachBatch): string | undefined {
  return build(batch, SQLITE);
}

/** The Postgres statement (binds in `postgresReachValues` order); same limit, for the same plans on both. */
export function postgresReachSql(batch: ReachBatch): string | undefined {
  return build(batch, POSTGRES);
}
