/**
 * Snapshot reads and in-transaction writes on SQLite. Every read filters by revision, so
 * readers sharing the connection with an open write transaction never see its rows: the
 * transaction's revision is above every revision a reader can hold until it commits.
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
import {
  KEY_COLUMNS,
  REL_COLUMNS,
  aliveAt,
  buildBatchSelect,
  buildCount,
  buildSelect,
  filterConditions,
  notExpired,
} from '../sql-filter.js';
import {
  compareKeys,
  keyValues,
  rawRowToRelationship,
  relationshipValues,
  writeRelationshipValues,
  type RawRelationshipRow,
} from '../row-codec.js';
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
import type { SqliteConnection } from './sqlite-connection.js';
import { selectShape } from './select-shape.js';
import type { ReachBatch, ReachResult, ReachStart, ReachSubject } from '../reach.js';
import { reachResults } from '../reach-sql.js';
import { raiseHeights, type HeightOps, type NestedEdge, type NestedKind } from '../nested-heights.js';

/** A batch row: the relationship's columns, then the index of the filter it answers. */
type BatchRow = readonly [...RawRelationshipRow, number];

const COUNTERS = counterSql(() => '?');
const KEY_MATCH = KEY_COLUMNS.map((c) => `${c} = ?`).join(' AND ');
const INSERT_BATCH = 500;
/** Relationships checked against earlier ones and inserted together by bulkCreate. */
const BULK_CHUNK = 20_000;
const MAX_IMPORTED_KEYS = 2_000_000;
/** Smallest bulkCreate into an empty table worth dropping and rebuilding the secondary indexes for. */
const LOAD_THEN_INDEX_MIN = 4096;
const INSERT_COLUMNS = `${REL_COLUMNS}, created_rev`;
const ROW_MARKS = `(${new Array(10).fill('?').join(', ')})`;

function insertSql(rows: number): string {
  return `INSERT INTO relationships (${INSERT_COLUMNS}) VALUES ${new Array(rows).fill(ROW_MARKS).join(', ')}`;
}
const INSERT_ONE = insertSql(1);
const INSERT_MANY = insertSql(INSERT_BATCH);

export class SqliteReader implements StoreReader {
  constructor(
    protected readonly conn: SqliteConnection,
    readonly revision: number,
  ) {}

  async query(filter: RelationshipFilter, options?: QueryOptions): Promise<Relationship[]> {
    return this.querySync(filter, options);
  }

  protected querySync(filter: RelationshipFilter, options?: QueryOptions): Relationship[] {
    const shape = selectShape(filter, this.revision, this.conn.clock(), options);
    const rows = shape ? this.conn.allShaped<RawRelationshipRow>(shape, filter) : this.selectRows(filter, options);
    const out = new Array<Relationship>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rawRowToRelationship(rows[i]!);
    return out;
  }

  async queryBatch(filters: readonly RelationshipFilter[]): Promise<Relationship[][]> {
    return this.queryBatchSync(filters);
  }

  protected queryBatchSync(filters: readonly RelationshipFilter[]): Relationship[][] {
    if (filters.length <= 1) return filters.map((f) => this.querySync(f));
    const now = this.conn.clock();
    let key = 'b';
    const values: unknown[] = [];
    for (const f of filters) {
      const shape = selectShape(f, this.revision, now);
      // Reads the fast path does not cover (never sent by the engine) go one by one.
      if (shape === undefined) return filters.map((x) => this.querySync(x));
      key += `|${shape.key}`;
      for (const v of shape.values) values.push(v);
    }
    const rows = this.conn.allBatchShaped<BatchRow>(key, values, () => buildBatchSelect(filters, 0, this.conn.dialect)?.sql ?? '');
    const out = filters.map((): Relationship[] => []);
    // The decoder reads the first nine columns and ignores the tag.
    for (const row of rows) out[row[9]]!.push(rawRowToRelationship(row as unknown as RawRelationshipRow));
    return out;
  }

  private selectRows(filter: RelationshipFilter, options?: QueryOptions): RawRelationshipRow[] {
    const q = buildSelect(
      {
        filter,
        revision: this.revision,
        order: options?.order ?? 'resource',
        ...(options?.after ? { after: options.after } : {}),
        ...(options?.limit !== undefined ? { limit: options.limit } : {}),
      },
      this.conn.dialect,
    );
    if (!q) return [];
    return this.conn.allRaw<RawRelationshipRow>(q.sql, q.values);
  }

  async reach(batch: ReachBatch, start: ReachStart, subject: ReachSubject): Promise<ReachResult[] | undefined> {
    const row = this.conn.reachRow(batch, {
      type: start.type,
      id: start.id,
      stype: subject.type,
      sid: subject.id,
      rev: this.revision,
      now: this.conn.clock(),
    });
    return row === undefined ? undefined : reachResults(row, batch.parts.length);
  }

  async reverseIds(filter: ReverseIdsFilter): Promise<ReverseIds> {
    const bySubject = new Map<string, string[]>();
    const ids = filter.subject.ids;
    if (ids.length === 0) return { bySubject, caveated: [] };
    const d = this.conn.dialect;
    const p = d.params();
    const f: RelationshipFilter = { resourceType: filter.resourceType, relation: filter.relation, subject: filter.subject };
    const where = filterConditions(f, d, p) as string[];
    where.push(aliveAt(this.revision, p), notExpired(d.nowMs(p)));
    // Every column named is in relationships_by_subject, so SQLite reads the index alone.
    const from = `FROM ${d.source?.(f) ?? 'relationships'} WHERE ${where.join(' AND ')} ORDER BY subject_id, resource_id`;
    let caveats: string[][] | undefined;
    if (ids.length === 1) {
      // One subject: its rows come in resource id order straight from the index, one value each
      // (null marks a caveated row, whose ids are then read again with the caveat names).
      const list = this.conn.allColumn<string | null>(`SELECT CASE WHEN caveat_name IS NULL THEN resource_id END ${from}`, p.values);
      if (list.length > 0 && list.includes(null)) {
        caveats = [[ids[0]!], []];
        const rows = this.conn.allRaw<[string, string | null]>(`SELECT resource_id, caveat_name ${from}`, p.values);
        list.length = rows.length;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          list[i] = row[0];
          if (row[1] !== null) caveats[1]!.push(row[0]);
        }
      }
      if (list.length > 0) bySubject.set(ids[0]!, list as string[]);
    } else {
      const rows = this.conn.allRaw<[string, string, string | null]>(`SELECT subject_id, resource_id, caveat_name ${from}`, p.values);
      let subject: string | undefined;
      let list: string[] = [];
      for (const row of rows) {
        if (row[0] !== subject) {
          subject = row[0];
          const known = bySubject.get(subject);
          if (known) list = known;
          else bySubject.set(subject, (list = []));
        }
        list.push(row[1]);
        if (row[2] !== null) {
          caveats ??= [[], []];
          caveats[0]!.push(row[0]);
          caveats[1]!.push(row[1]);
        }
      }
    }
    if (!caveats) return { bySubject, caveated: [] };
    // Rare: the caveated rows in full, by their ids.
    const rels = this.querySync({ ...f, resourceIds: caveats[1]!, subject: { ...filter.subject, ids: caveats[0]! } });
    return { bySubject, caveated: rels.filter((r) => r.caveat !== undefined) };
  }

  async counterFilter(name: string): Promise<RelationshipFilter | undefined> {
    const row = this.conn.get<{ filter: string }>(COUNTERS.select, [name, this.revision, this.revision]);
    return row ? decodeCounterFilter(row.filter) : undefined;
  }

  async count(filter: RelationshipFilter): Promise<number> {
    const q = buildCount(filter, this.revision, this.conn.dialect);
    if (!q) return 0;
    return this.conn.get<{ n: number }>(q.sql, q.values)?.n ?? 0;
  }

  async readSchema(): Promise<StoredSchema | undefined> {
    const row = this.conn.get<{ revision: number; text: string; hash: string }>(
      'SELECT revision, text, hash FROM schemas WHERE revision <= ? ORDER BY revision DESC LIMIT 1',
      [this.revision],
    );
    return row ? { text: row.text, hash: row.hash, revision: row.revision } : undefined;
  }
}

/** The write transaction at `revision`; reads see its own writes (same connection, same revision). */
export class SqliteWriter extends SqliteReader implements StoreWriter, WriteOps {
  schemaChanged = false;

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
    const d = this.conn.dialect;
    const p = d.params();
    const where = filterConditions(filter, d, p);
    if (!where) return { deleted: 0, complete: true };
    const cond = [...where, 'deleted_rev IS NULL', notExpired(d.nowMs(p))].join(' AND ');
    const ended = this.conn.run(`UPDATE relationships SET deleted_rev = ? WHERE ${cond} AND created_rev < ?`, [
      this.revision,
      ...p.values,
      this.revision,
    ]);
    const removed = this.conn.run(`DELETE FROM relationships WHERE ${cond} AND created_rev = ?`, [...p.values, this.revision]);
    return { deleted: ended + removed, complete: true };
  }

  /**
   * Keys bulk-created so far when this transaction started on an empty table and has done
   * nothing but bulkCreate: then a duplicate can only be one of these, and the per-row
   * existence query (a sixth of an initial import's cost) is skipped. Undefined otherwise.
   */
  private importedKeys: Set<string> | undefined;
  private onlyBulk = true;

  async bulkCreate(relationships: readonly Relationship[]): Promise<number> {
    if (this.onlyBulk && this.importedKeys === undefined) {
      if (this.conn.get('SELECT 1 AS x FROM relationships LIMIT 1') === undefined) this.importedKeys = new Set();
      else this.onlyBulk = false;
    }
    // Key order turns random b-tree inserts into appends along the primary key, and puts
    // duplicates within the call next to each other: found before anything is written.
    const sorted = relationships.slice().sort(compareKeys);
    for (let i = 1; i < sorted.length; i++) {
      if (compareKeys(sorted[i - 1]!, sorted[i]!) === 0) throw new RelationshipAlreadyExistsError(formatRelationshipKey(sorted[i]!));
    }
    // Nothing inserted yet into a table that was empty: load first, index after.
    if (this.importedKeys?.size === 0 && sorted.length >= LOAD_THEN_INDEX_MIN) {
      this.loadIntoEmptyTable(sorted);
      await raiseHeights(sqliteHeightOps(this.conn), sorted);
      return sorted.length;
    }
    const exists = this.conn.statement(`SELECT 1 AS x FROM relationships WHERE ${KEY_MATCH} AND deleted_rev IS NULL LIMIT 1`);
    for (let start = 0; start < sorted.length; start += BULK_CHUNK) {
      const chunk = sorted.slice(start, start + BULK_CHUNK);
      const seen = this.importedKeys;
      if (seen) {
        const keys = chunk.map(relationshipKey);
        for (let i = 0; i < chunk.length; i++)
          if (seen.has(keys[i]!)) throw new RelationshipAlreadyExistsError(formatRelationshipKey(chunk[i]!));
        for (const key of keys) seen.add(key);
        // Past this size the set costs more memory than the queries it saves are worth.
        if (seen.size > MAX_IMPORTED_KEYS) this.leaveBulkMode();
      } else {
        for (const r of chunk)
          if (exists.get(...keyValues(r)) !== undefined) throw new RelationshipAlreadyExistsError(formatRelationshipKey(r));
      }
      this.insertRows(chunk);
    }
    await raiseHeights(sqliteHeightOps(this.conn), sorted);
    return relationships.length;
  }

  /**
   * An import into an empty table of rows already sorted and free of duplicates: inserted in
   * key order (appends along the primary key) with the secondary indexes dropped, which are then
   * rebuilt by CREATE INDEX (one sort each, instead of a random b-tree insert per row per index:
   * half the cost of the import). It all runs synchronously, so no reader on this connection
   * ever runs between the DROP and the CREATE; the savepoint puts the indexes back if anything
   * fails, and a crash loses the uncommitted transaction, DROP included, as a whole.
   */
  private loadIntoEmptyTable(sorted: readonly Relationship[]): void {
    const indexes = this.conn.all<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'relationships' AND sql IS NOT NULL",
    );
    this.conn.exec('SAVEPOINT bulk_load');
    try {
      for (const { name } of indexes) this.conn.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`);
      this.insertRows(sorted);
      for (const { sql } of indexes) this.conn.exec(sql);
      this.conn.exec('RELEASE bulk_load');
    } catch (e) {
      try {
        this.conn.exec('ROLLBACK TO bulk_load');
        this.conn.exec('RELEASE bulk_load');
      } catch {
        // SQLite already rolled the whole transaction back (e.g. SQLITE_FULL).
      }
      throw e;
    }
    // Later calls see these rows through the primary key.
    this.leaveBulkMode();
  }

  private leaveBulkMode(): void {
    this.onlyBulk = false;
    this.importedKeys = undefined;
  }

  async registerCounter(name: string, filter: RelationshipFilter): Promise<void> {
    if (this.conn.get(COUNTERS.live, [name]) !== undefined) throw new CounterAlreadyRegisteredError(name, filter);
    this.conn.run(COUNTERS.insert, [name, encodeCounterFilter(filter), this.revision]);
  }

  async unregisterCounter(name: string): Promise<void> {
    if (this.conn.get(COUNTERS.live, [name]) === undefined) throw new CounterNotRegisteredError(name);
    this.conn.run(COUNTERS.end, [this.revision, name]);
  }

  async writeSchema(text: string): Promise<void> {
    const hash = createHash('sha256').update(text).digest('hex');
    this.conn.run('INSERT OR REPLACE INTO schemas (revision, text, hash) VALUES (?, ?, ?)', [this.revision, text, hash]);
    this.schemaChanged = true;
  }

  // ---- WriteOps -------------------------------------------------------------------------

  async findLive(keys: readonly Relationship[]): Promise<Map<string, LiveVersion>> {
    const sql = `SELECT created_rev AS createdRev, caveat_name AS caveatName, caveat_context AS caveatContext, expires_at AS expiresAt
      FROM relationships WHERE ${KEY_MATCH} AND deleted_rev IS NULL`;
    const out = new Map<string, LiveVersion>();
    for (const k of keys) {
      const v = this.conn.get<LiveVersion>(sql, keyValues(k));
      if (v) out.set(relationshipKey(k), v);
    }
    return out;
  }

  async markDeleted(keys: readonly Relationship[]): Promise<void> {
    const sql = `UPDATE relationships SET deleted_rev = ? WHERE ${KEY_MATCH} AND deleted_rev IS NULL`;
    for (const k of keys) this.conn.run(sql, [this.revision, ...keyValues(k)]);
  }

  async removeOwn(keys: readonly Relationship[]): Promise<void> {
    const sql = `DELETE FROM relationships WHERE ${KEY_MATCH} AND created_rev = ?`;
    for (const k of keys) this.conn.run(sql, [...keyValues(k), this.revision]);
  }

  async insert(rows: readonly Relationship[]): Promise<void> {
    this.insertRows(rows);
    await raiseHeights(sqliteHeightOps(this.conn), rows);
  }

  private insertRows(rows: readonly Relationship[]): void {
    const revision = this.revision;
    const values = new Array<unknown>(INSERT_BATCH * 10);
    let start = 0;
    for (; start + INSERT_BATCH <= rows.length; start += INSERT_BATCH) {
      for (let i = 0; i < INSERT_BATCH; i++) values[writeRelationshipValues(rows[start + i]!, values, i * 10)] = revision;
      this.conn.run(INSERT_MANY, values);
    }
    // The remainder goes row by row so only two insert shapes are ever prepared.
    for (; start < rows.length; start++) this.conn.run(INSERT_ONE, [...relationshipValues(rows[start]!), this.revision]);
  }
}

/** Id lists per statement: well under SQLite's limit of bound parameters. */
const IDS_PER_STATEMENT = 500;

function inChunks<T>(ids: readonly string[], read: (chunk: readonly string[], marks: string) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + IDS_PER_STATEMENT);
    for (const x of read(chunk, chunk.map(() => '?').join(', '))) out.push(x);
  }
  return out;
}

/** The nested-set index's reads and upsert (../nested-heights.ts) inside a write transaction. */
export function sqliteHeightOps(conn: SqliteConnection): HeightOps {
  const edges = (rows: [string, string][]): NestedEdge[] => rows.map(([resource, subject]) => ({ resource, subject }));
  const heights = (rows: [string, number][]) => new Map(rows);
  const nestedRows = 'resource_type = ? AND relation = ? AND subject_type = ? AND subject_relation = ? AND deleted_rev IS NULL';
  return {
    heights: async (k: NestedKind, ids) =>
      heights(
        inChunks(ids, (chunk, marks) =>
          conn.allRaw<[string, number]>(
            `SELECT object_id, height FROM nested_heights WHERE object_type = ? AND relation = ? AND object_id IN (${marks})`,
            [k.type, k.relation, ...chunk],
          ),
        ),
      ),
    allHeights: async (k) =>
      heights(
        conn.allRaw<[string, number]>('SELECT object_id, height FROM nested_heights WHERE object_type = ? AND relation = ?', [
          k.type,
          k.relation,
        ]),
      ),
    parents: async (k, ids) =>
      edges(
        inChunks(ids, (chunk, marks) =>
          conn.allRaw<[string, string]>(
            `SELECT resource_id, subject_id FROM relationships WHERE subject_id IN (${marks}) AND ${nestedRows}`,
            [...chunk, k.type, k.relation, k.type, k.relation],
          ),
        ),
      ),
    allEdges: async (k) =>
      edges(
        conn.allRaw<[string, string]>(`SELECT resource_id, subject_id FROM relationships WHERE ${nestedRows}`, [
          k.type,
          k.relation,
          k.type,
          k.relation,
        ]),
      ),
    save: async (k, raised) => {
      const sql =
        'INSERT INTO nested_heights (object_type, relation, object_id, height) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (object_type, relation, object_id) DO UPDATE SET height = max(height, excluded.height)';
      for (const [id, h] of raised) conn.run(sql, [k.type, k.relation, id, h]);
    },
  };
}
