/**
 * Snapshot reads (on the pool) and in-transaction writes (on the transaction's client) for
 * Postgres. Multi-key operations send whole key lists as arrays through `unnest`, so a
 * write of N updates costs a handful of round trips, not N.
 */
import { createHash } from 'node:crypto';
import {
  CounterAlreadyRegisteredError,
  CounterNotRegisteredError,
  RelationshipAlreadyExistsError,
  formatRelationshipKey,
  relationshipKey,
  type Precondition,
  type Relationship,
  type RelationshipFilter,
  type RelationshipUpdate,
} from '../../core/index.js';
import { REL_COLUMNS, aliveAt, buildBatchSelect, buildCount, buildSelect, filterConditions, notExpired } from '../sql-filter.js';
import { keyValues, relationshipValues, rowToRelationship, type RelationshipRow } from '../row-codec.js';
import type {
  DeleteOptions,
  DeleteResult,
  QueryOptions,
  ReverseIds,
  ReverseIdsFilter,
  StoreReader,
  StoreWriter,
  StoredSchema,
} from '../store.js';
import { applyUpdates, checkPreconditions, deleteWithLimit, type LiveVersion, type WriteOps } from '../write-plan.js';
import { counterSql, decodeCounterFilter, encodeCounterFilter } from '../counters.js';
import type { PgQueryable } from './driver.js';
import { pgDialect, pgExec, pgQuery } from './pg-connection.js';
import type { ReachBatch, ReachResult, ReachStart, ReachSubject } from '../reach.js';
import { postgresReachSql, postgresReachValues, reachResults } from '../reach-sql.js';
import { raiseHeights, type HeightOps, type NestedEdge } from '../nested-heights.js';

const COUNTERS = counterSql((n) => `$${n}`);

/** Rows per INSERT ... SELECT FROM unnest(...) statement. */
const INSERT_BATCH = 5000;
const MAX_IMPORTED_KEYS = 2_000_000;

const KEYS_UNNEST = 'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS k(rt, rid, rel, st, sid, srel)';
const KEYS_JOIN =
  'r.resource_type = k.rt AND r.resource_id = k.rid AND r.relation = k.rel AND r.subject_type = k.st AND r.subject_id = k.sid AND r.subject_relation = k.srel';

/** Column-wise arrays of the key columns, the shape `unnest` wants. */
function keyArrays(rels: readonly Relationship[]): string[][] {
  const cols: string[][] = [[], [], [], [], [], []];
  for (const r of rels) {
    const k = keyValues(r);
    for (let i = 0; i < 6; i++) cols[i]!.push(k[i]!);
  }
  return cols;
}

/** Reachability statements by batch key (a batch's SQL depends only on its key). */
const reachStatements = new Map<string, string | undefined>();

function reachStatement(batch: ReachBatch): string | undefined {
  if (reachStatements.has(batch.key)) return reachStatements.get(batch.key);
  const sql = postgresReachSql(batch);
  if (reachStatements.size >= 1000) reachStatements.clear();
  reachStatements.set(batch.key, sql);
  return sql;
}

export class PgReader implements StoreReader {
  constructor(
    protected readonly db: PgQueryable,
    readonly revision: number,
  ) {}

  async query(filter: RelationshipFilter, options?: QueryOptions): Promise<Relationship[]> {
    const q = buildSelect(
      {
        filter,
        revision: this.revision,
        order: options?.order ?? 'resource',
        ...(options?.after ? { after: options.after } : {}),
        ...(options?.limit !== undefined ? { limit: options.limit } : {}),
      },
      pgDialect,
    );
    if (!q) return [];
    const rows = await pgQuery<RelationshipRow>(this.db, q.sql, q.values);
    return rows.map(rowToRelationship);
  }

  async reach(batch: ReachBatch, start: ReachStart, subject: ReachSubject): Promise<ReachResult[] | undefined> {
    const sql = reachStatement(batch);
    if (sql === undefined) return undefined;
    const values = postgresReachValues({ type: start.type, id: start.id, stype: subject.type, sid: subject.id, rev: this.revision });
    const [row] = await pgQuery<Record<string, number | null>>(this.db, sql, values);
    return reachResults(
      batch.parts.flatMap((_, i) => [row?.[`d${i}`], row?.[`c${i}`]]),
      batch.parts.length,
    );
  }

  async queryBatch(filters: readonly RelationshipFilter[]): Promise<Relationship[][]> {
    const out = filters.map((): Relationship[] => []);
    const q = buildBatchSelect(filters, this.revision, pgDialect);
    if (!q) return out;
    const rows = await pgQuery<RelationshipRow & { part: number }>(this.db, q.sql, q.values);
    for (const row of rows) out[row.part]!.push(rowToRelationship(row));
    return out;
  }

  async reverseIds(filter: ReverseIdsFilter): Promise<ReverseIds> {
    const bySubject = new Map<string, string[]>();
    if (filter.subject.ids.length === 0) return { bySubject, caveated: [] };
    const p = pgDialect.params();
    const f: RelationshipFilter = { resourceType: filter.resourceType, relation: filter.relation, subject: filter.subject };
    const where = filterConditions(f, pgDialect, p) as string[];
    where.push(aliveAt(this.revision, p), notExpired(pgDialect.nowMs(p)));
    const rows = await pgQuery<{ s: string; r: string; c: string | null }>(
      this.db,
      `SELECT subject_id AS s, resource_id AS r, caveat_name AS c FROM relationships WHERE ${where.join(' AND ')} ORDER BY subject_id, resource_id`,
      p.values,
    );
    const subjects: string[] = [];
    const resources: string[] = [];
    for (const row of rows) {
      let list = bySubject.get(row.s);
      if (!list) bySubject.set(row.s, (list = []));
      list.push(row.r);
      if (row.c !== null) {
        subjects.push(row.s);
        resources.push(row.r);
      }
    }
    if (subjects.length === 0) return { bySubject, caveated: [] };
    const rels = await this.query({ ...f, resourceIds: resources, subject: { ...filter.subject, ids: subjects } });
    return { bySubject, caveated: rels.filter((r) => r.caveat !== undefined) };
  }

  async counterFilter(name: string): Promise<RelationshipFilter | undefined> {
    const [row] = await pgQuery<{ filter: string }>(this.db, COUNTERS.select, [name, this.revision, this.revision]);
    return row ? decodeCounterFilter(row.filter) : undefined;
  }

  async count(filter: RelationshipFilter): Promise<number> {
    const q = buildCount(filter, this.revision, pgDialect);
    if (!q) return 0;
    const [row] = await pgQuery<{ n: number }>(this.db, q.sql, q.values);
    return row?.n ?? 0;
  }

  async readSchema(): Promise<StoredSchema | undefined> {
    const [row] = await pgQuery<{ revision: number; text: string; hash: string }>(
      this.db,
      'SELECT revision, text, hash FROM schemas WHERE revision <= $1 ORDER BY revision DESC LIMIT 1',
      [this.revision],
    );
    return row ? { text: row.text, hash: row.hash, revision: row.revision } : undefined;
  }
}

export class PgWriter extends PgReader implements StoreWriter, WriteOps {
  schemaChanged = false;
  /** Rows inserted by bulkCreate, so the store can refresh planner statistics after a big import. */
  bulkInserted = 0;

  async checkPreconditions(preconditions: readonly Precondition[]): Promise<void> {
    await checkPreconditions(this, preconditions);
  }

  async apply(updates: readonly RelationshipUpdate[]): Promise<void> {
    this.leaveBulkMode();
    await applyUpdates(this, updates);
  }

  async deleteByFilter(filter: RelationshipFilter, options?: DeleteOptions): Promise<DeleteResult> {
    this.leaveBulkMode();
    if (options?.limit !== undefined) return deleteWithLimit(this, filter, { ...options, limit: options.limit });
    const p = pgDialect.params();
    const where = filterConditions(filter, pgDialect, p);
    if (!where) return { deleted: 0, complete: true };
    const rev = p.add(this.revision);
    const cond = [...where, 'deleted_rev IS NULL', notExpired(pgDialect.nowMs(p))].join(' AND ');
    const ended = await pgExec(this.db, `UPDATE relationships SET deleted_rev = ${rev} WHERE ${cond} AND created_rev < ${rev}`, p.values);
    const removed = await pgExec(this.db, `DELETE FROM relationships WHERE ${cond} AND created_rev = ${rev}`, p.values);
    return { deleted: ended + removed, complete: true };
  }

  /**
   * Keys bulk-created so far when this transaction started on an empty table and has done
   * nothing but bulkCreate: a duplicate can then only be one of these, so the existence
   * query per chunk is skipped. Undefined otherwise (or past MAX_IMPORTED_KEYS).
   */
  private importedKeys: Set<string> | undefined;
  private onlyBulk = true;

  private leaveBulkMode(): void {
    this.onlyBulk = false;
    this.importedKeys = undefined;
  }

  async bulkCreate(relationships: readonly Relationship[]): Promise<number> {
    if (this.onlyBulk && this.importedKeys === undefined) {
      const [any] = await pgQuery<{ x: number }>(this.db, 'SELECT 1 AS x FROM relationships LIMIT 1');
      if (any === undefined) this.importedKeys = new Set();
      else this.onlyBulk = false;
    }
    for (let start = 0; start < relationships.length; start += INSERT_BATCH) {
      const chunk = relationships.slice(start, start + INSERT_BATCH);
      const fresh = new Set<string>();
      for (const r of chunk) {
        const key = relationshipKey(r);
        if (fresh.has(key) || this.importedKeys?.has(key)) throw new RelationshipAlreadyExistsError(formatRelationshipKey(r));
        fresh.add(key);
      }
      if (this.importedKeys) {
        for (const k of fresh) this.importedKeys.add(k);
        if (this.importedKeys.size > MAX_IMPORTED_KEYS) this.leaveBulkMode();
      } else {
        const [existing] = await pgQuery<RelationshipRow>(
          this.db,
          `SELECT ${REL_COLUMNS.split(', ')
            .map((c) => `r.${c}`)
            .join(', ')} FROM relationships r JOIN ${KEYS_UNNEST} ON ${KEYS_JOIN}
           WHERE r.deleted_rev IS NULL LIMIT 1`,
          keyArrays(chunk),
        );
        if (existing) throw new RelationshipAlreadyExistsError(formatRelationshipKey(rowToRelationship(existing)));
      }
      await this.insertRows(chunk);
      this.bulkInserted += chunk.length;
    }
    await raiseHeights(pgHeightOps(this.db), relationships);
    return relationships.length;
  }

  async registerCounter(name: string, filter: RelationshipFilter): Promise<void> {
    const [live] = await pgQuery<{ filter: string }>(this.db, COUNTERS.live, [name]);
    if (live) throw new CounterAlreadyRegisteredError(name, filter);
    await pgExec(this.db, COUNTERS.insert, [name, encodeCounterFilter(filter), this.revision]);
  }

  async unregisterCounter(name: string): Promise<void> {
    const [live] = await pgQuery<{ filter: string }>(this.db, COUNTERS.live, [name]);
    if (!live) throw new CounterNotRegisteredError(name);
    await pgExec(this.db, COUNTERS.end, [this.revision, name]);
  }

  async writeSchema(text: string): Promise<void> {
    const hash = createHash('sha256').update(text).digest('hex');
    await pgExec(
      this.db,
      'INSERT INTO schemas (revision, text, hash) VALUES ($1, $2, $3) ON CONFLICT (revision) DO UPDATE SET text = EXCLUDED.text, hash = EXCLUDED.hash',
      [this.revision, text, hash],
    );
    this.schemaChanged = true;
  }

  // ---- WriteOps -------------------------------------------------------------------------

  async findLive(keys: readonly Relationship[]): Promise<Map<string, LiveVersion>> {
    const rows = await pgQuery<RelationshipRow & { created_rev: number }>(
      this.db,
      `SELECT ${REL_COLUMNS.split(', ')
        .map((c) => `r.${c}`)
        .join(', ')}, r.created_rev FROM relationships r JOIN ${KEYS_UNNEST} ON ${KEYS_JOIN}
       WHERE r.deleted_rev IS NULL`,
      keyArrays(keys),
    );
    const out = new Map<string, LiveVersion>();
    for (const row of rows) {
      out.set(relationshipKey(rowToRelationship(row)), {
        createdRev: row.created_rev,
        caveatName: row.caveat_name,
        caveatContext: row.caveat_context,
        expiresAt: row.expires_at,
      });
    }
    return out;
  }

  async markDeleted(keys: readonly Relationship[]): Promise<void> {
    await pgExec(this.db, `UPDATE relationships r SET deleted_rev = $7 FROM ${KEYS_UNNEST} WHERE ${KEYS_JOIN} AND r.deleted_rev IS NULL`, [
      ...keyArrays(keys),
      this.revision,
    ]);
  }

  async removeOwn(keys: readonly Relationship[]): Promise<void> {
    await pgExec(this.db, `DELETE FROM relationships r USING ${KEYS_UNNEST} WHERE ${KEYS_JOIN} AND r.created_rev = $7`, [
      ...keyArrays(keys),
      this.revision,
    ]);
  }

  async insert(rows: readonly Relationship[]): Promise<void> {
    await this.insertRows(rows);
    await raiseHeights(pgHeightOps(this.db), rows);
  }

  private async insertRows(rows: readonly Relationship[]): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_BATCH) {
      const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
      for (let i = start; i < Math.min(rows.length, start + INSERT_BATCH); i++) {
        const v = relationshipValues(rows[i]!);
        for (let c = 0; c < 9; c++) cols[c]!.push(v[c]);
      }
      await pgExec(
        this.db,
        `INSERT INTO relationships (${REL_COLUMNS}, created_rev)
         SELECT *, $10::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])`,
        [...cols, this.revision],
      );
    }
  }
}

/** The nested-set index's reads and upsert (../nested-heights.ts) inside a write transaction. */
export function pgHeightOps(db: PgQueryable): HeightOps {
  const edges = (rows: { resource_id: string; subject_id: string }[]): NestedEdge[] =>
    rows.map((r) => ({ resource: r.resource_id, subject: r.subject_id }));
  const heights = (rows: { object_id: string; height: number }[]) => new Map(rows.map((r) => [r.object_id, Number(r.height)]));
  const nestedRows = 'resource_type = $1 AND relation = $2 AND subject_type = $1 AND subject_relation = $2 AND deleted_rev IS NULL';
  const heightSelect = 'SELECT object_id, height FROM nested_heights WHERE object_type = $1 AND relation = $2';
  return {
    heights: async (k, ids) => heights(await pgQuery(db, `${heightSelect} AND object_id = ANY($3::text[])`, [k.type, k.relation, ids])),
    allHeights: async (k) => heights(await pgQuery(db, heightSelect, [k.type, k.relation])),
    parents: async (k, ids) =>
      edges(
        await pgQuery(db, `SELECT resource_id, subject_id FROM relationships WHERE subject_id = ANY($3::text[]) AND ${nestedRows}`, [
          k.type,
          k.relation,
          ids,
        ]),
      ),
    allEdges: async (k) =>
      edges(await pgQuery(db, `SELECT resource_id, subject_id FROM relationships WHERE ${nestedRows}`, [k.type, k.relation])),
    save: async (k, raised) => {
      await pgExec(
        db,
        `INSERT INTO nested_heights (object_type, relation, object_id, height)
         SELECT $1, $2, id, h FROM unnest($3::text[], $4::integer[]) AS x(id, h)
         ON CONFLICT (object_type, relation, object_id) DO UPDATE SET height = GREATEST(nested_heights.height, EXCLUDED.height)`,
        [k.type, k.relation, [...raised.keys()], [...raised.values()]],
      );
    },
  };
}
