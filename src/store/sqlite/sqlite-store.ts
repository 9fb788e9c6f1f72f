/**
 * The SQLite Store: one better-sqlite3 connection per process, WAL for files, revisions
 * from the transactions table.
 *
 * Writers are serialised twice: in-process by an async mutex (the connection is shared
 * with readers, and `fn` awaits between statements), across processes by
 * `BEGIN IMMEDIATE`, retried with backoff while another process holds the lock. The
 * transaction's row in `transactions` is inserted and committed synchronously at the very
 * end, so no reader, in this process or another, ever sees a head that is not committed.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatastoreUnavailableError, InvalidRevisionError, type JsonObject } from '../../core/index.js';
import { AsyncMutex } from '../async-mutex.js';
import {
  DEFAULT_GC_INTERVAL_MS,
  DEFAULT_GC_WINDOW_MS,
  DEFAULT_QUANTIZATION_MS,
  GC_BATCH_SIZE,
  startBackgroundGc,
  type BackgroundJob,
} from '../background-gc.js';
import { counterSql } from '../counters.js';
import { assembleChangeSets, changesRetained, type VersionEvent } from '../change-feed.js';
import { OptimizedRevisionCache } from '../optimized-revision-cache.js';
import { KEY_COLUMNS, REL_COLUMNS } from '../sql-filter.js';
import { rowToRelationship, type RelationshipRow } from '../row-codec.js';
import type { ChangeSet, GcResult, Store, StoreOptions, StoreReader, StoreWriter, WriteOptions } from '../store.js';
import { openSqliteDatabase } from './driver.js';
import { SqliteConnection, isBusy, translateSqliteError } from './sqlite-connection.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { SqliteReader, SqliteWriter } from './sqlite-reader.js';

/** How long a writer keeps retrying `BEGIN IMMEDIATE` against another process's lock. */
const LOCK_WAIT_MS = 15_000;
/** Per-statement busy wait; short, because better-sqlite3 blocks the event loop meanwhile. */
const BUSY_TIMEOUT_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SqliteStoreOptions extends StoreOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  readonly path: string;
  /** Clock in epoch ms for expiration, commit times and GC (tests inject a fake one). */
  readonly clock?: () => number;
}

const COUNTERS = counterSql(() => '?');

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly mutex = new AsyncMutex();
  private readonly quantizationMs: number;
  private readonly gcWindowMs: number;
  private gcJob: BackgroundJob | undefined;
  private closed = false;
  private readonly optimized: OptimizedRevisionCache;

  private constructor(
    private readonly conn: SqliteConnection,
    readonly uniqueId: string,
    options: StoreOptions,
  ) {
    this.quantizationMs = options.quantizationMs ?? DEFAULT_QUANTIZATION_MS;
    this.gcWindowMs = options.gcWindowMs ?? DEFAULT_GC_WINDOW_MS;
    this.optimized = new OptimizedRevisionCache(conn.clock);
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const memory = options.path === ':memory:';
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    let db;
    try {
      db = await openSqliteDatabase(options.path);
    } catch (e) {
      throw translateSqliteError(e);
    }
    const clock = options.clock ?? Date.now;
    const conn = new SqliteConnection(db, clock);
    let uniqueId: string;
    try {
      conn.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!memory) {
        await withBusyRetry(() => conn.exec('PRAGMA journal_mode = WAL'));
        conn.exec('PRAGMA synchronous = NORMAL');
      }
      conn.exec('PRAGMA cache_size = -131072');
      conn.exec('PRAGMA temp_store = MEMORY');
      await withBusyRetry(() => conn.exec('BEGIN IMMEDIATE'));
      try {
        await migrateSqlite(conn, clock());
        conn.exec('COMMIT');
      } catch (e) {
        conn.exec('ROLLBACK');
        throw e;
      }
      uniqueId = conn.get<{ value: string }>("SELECT value FROM meta WHERE key = 'unique_id'")!.value;
    } catch (e) {
      conn.close();
      throw translateSqliteError(e);
    }
    const store = new SqliteStore(conn, uniqueId, options);
    const interval = options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS;
    if (interval > 0) store.gcJob = startBackgroundGc(() => store.gc(), interval, options.onBackgroundError ?? (() => {}));
    return store;
  }

  async headRevision(): Promise<number> {
    return this.head();
  }

  private head(): number {
    return this.conn.get<{ r: number }>('SELECT max(revision) AS r FROM transactions')?.r ?? 1;
  }

  /** The oldest revision still readable: the newest one at or before now - window. */
  private horizon(now: number): number {
    const atWindow = this.conn.get<{ r: number | null }>('SELECT max(revision) AS r FROM transactions WHERE committed_at <= ?', [
      now - this.gcWindowMs,
    ])?.r;
    return atWindow ?? this.conn.get<{ r: number }>('SELECT min(revision) AS r FROM transactions')?.r ?? 1;
  }

  cachedOptimizedRevision(): number | undefined {
    if (this.quantizationMs <= 0 || this.gcWindowMs < 2 * this.quantizationMs) return undefined;
    return this.optimized.peek();
  }

  optimizedRevision(): Promise<number> {
    if (this.quantizationMs <= 0) return this.headRevision();
    // The horizon moves with time; a window longer than half the GC window could outlive it.
    if (this.gcWindowMs < 2 * this.quantizationMs) this.optimized.clear();
    // The common case, a revision still inside its window, allocates no closure or async frame.
    const cached = this.optimized.peek();
    if (cached !== undefined) return Promise.resolve(cached);
    return this.optimized.get(async () => {
      const now = this.conn.clock();
      const windowStart = Math.floor(now / this.quantizationMs) * this.quantizationMs;
      const quantized = this.conn.get<{ r: number | null }>('SELECT max(revision) AS r FROM transactions WHERE committed_at <= ?', [
        windowStart,
      ])?.r;
      const floor = this.horizon(now);
      const revision = quantized !== null && quantized !== undefined && quantized > floor ? quantized : floor;
      return { revision, nowMs: now, windowEndMs: windowStart + this.quantizationMs };
    });
  }

  async checkRevision(revision: number): Promise<void> {
    if (revision > this.head()) throw new InvalidRevisionError('future');
    if (revision < this.horizon(this.conn.clock())) throw new InvalidRevisionError('expired');
  }

  reader(revision: number): StoreReader {
    return new SqliteReader(this.conn, revision);
  }

  async write<T>(fn: (tx: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<{ result: T; revision: number }> {
    return this.mutex.run(async () => {
      await withBusyRetry(() => this.conn.exec('BEGIN IMMEDIATE'));
      let open = true;
      try {
        const last = this.conn.get<{ revision: number; committed_at: number }>(
          'SELECT revision, committed_at FROM transactions ORDER BY revision DESC LIMIT 1',
        );
        const revision = (last?.revision ?? 0) + 1;
        const tx = new SqliteWriter(this.conn, revision);
        const result = await fn(tx);
        // Commit timestamps never go backwards, whatever the clocks of other processes did.
        const committedAt = Math.max(this.conn.clock(), last?.committed_at ?? 0);
        this.conn.run('INSERT INTO transactions (revision, committed_at, metadata, schema_changed) VALUES (?, ?, ?, ?)', [
          revision,
          committedAt,
          options?.metadata ? JSON.stringify(options.metadata) : null,
          tx.schemaChanged ? 1 : 0,
        ]);
        this.conn.exec('COMMIT');
        open = false;
        return { result, revision };
      } catch (e) {
        throw translateSqliteError(e);
      } finally {
        if (open) rollbackQuietly(this.conn);
      }
    });
  }

  async changesSince(after: number, limit = 100): Promise<ChangeSet[]> {
    const oldest = this.conn.get<{ r: number }>('SELECT min(revision) AS r FROM transactions')?.r ?? 1;
    if (!changesRetained(after, oldest)) throw new InvalidRevisionError('expired');
    const txs = this.conn.all<{ revision: number; metadata: string | null; schema_changed: number }>(
      'SELECT revision, metadata, schema_changed FROM transactions WHERE revision > ? ORDER BY revision LIMIT ?',
      [after, limit],
    );
    const last = txs[txs.length - 1];
    if (!last) return [];
    const hi = last.revision;
    type Row = RelationshipRow & { rev: number };
    const toEvent = (r: Row): VersionEvent => ({ revision: r.rev, relationship: rowToRelationship(r) });
    const created = this.conn
      .all<Row>(`SELECT ${REL_COLUMNS}, created_rev AS rev FROM relationships WHERE created_rev > ? AND created_rev <= ?`, [after, hi])
      .map(toEvent);
    const deleted = this.conn
      .all<Row>(
        `SELECT ${REL_COLUMNS}, deleted_rev AS rev FROM relationships WHERE deleted_rev IS NOT NULL AND deleted_rev > ? AND deleted_rev <= ?`,
        [after, hi],
      )
      .map(toEvent);
    return assembleChangeSets(
      txs.map((t) => ({
        revision: t.revision,
        metadata: t.metadata === null ? null : (JSON.parse(t.metadata) as JsonObject),
        schemaChanged: t.schema_changed === 1,
      })),
      created,
      deleted,
    );
  }

  async gc(): Promise<GcResult> {
    const now = this.conn.clock();
    const horizon = this.horizon(now);
    const keys = `${KEY_COLUMNS.join(', ')}, created_rev`;
    const relationshipsRemoved = await this.deleteInBatches(
      `DELETE FROM relationships WHERE (${keys}) IN (SELECT ${keys} FROM relationships WHERE deleted_rev IS NOT NULL AND deleted_rev <= ? LIMIT ${GC_BATCH_SIZE})`,
      [horizon],
    );
    const expiredRemoved = await this.deleteInBatches(
      `DELETE FROM relationships WHERE (${keys}) IN (SELECT ${keys} FROM relationships WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT ${GC_BATCH_SIZE})`,
      [now - this.gcWindowMs],
    );
    const transactionsRemoved = await this.deleteInBatches(
      `DELETE FROM transactions WHERE revision IN (SELECT revision FROM transactions WHERE revision < ? ORDER BY revision LIMIT ${GC_BATCH_SIZE})`,
      [horizon],
    );
    await this.deleteInBatches('DELETE FROM schemas WHERE revision < (SELECT max(revision) FROM schemas WHERE revision <= ?)', [horizon]);
    await this.deleteInBatches(COUNTERS.collect, [horizon]);
    return { relationshipsRemoved, transactionsRemoved, expiredRemoved };
  }

  /** Runs a bounded DELETE repeatedly, each batch its own short write transaction. */
  private async deleteInBatches(sql: string, values: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.mutex.run(async () => {
        await withBusyRetry(() => this.conn.exec('BEGIN IMMEDIATE'));
        try {
          const changes = this.conn.run(sql, values);
          this.conn.exec('COMMIT');
          return changes;
        } catch (e) {
          rollbackQuietly(this.conn);
          throw translateSqliteError(e);
        }
      });
      total += n;
      if (n < GC_BATCH_SIZE) return total;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gcJob?.stop();
    await this.mutex.run(async () => this.conn.close());
  }
}

function rollbackQuietly(conn: SqliteConnection): void {
  try {
    conn.exec('ROLLBACK');
  } catch {
    // Already rolled back by SQLite (e.g. after SQLITE_FULL); nothing left to undo.
  }
}

/** Retries a statement that failed with SQLITE_BUSY, with backoff, for up to LOCK_WAIT_MS. */
async function withBusyRetry(fn: () => void): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      fn();
      return;
    } catch (e) {
      if (!isBusy(e)) throw translateSqliteError(e);
      if (Date.now() >= deadline) {
        throw new DatastoreUnavailableError('timed out waiting for the SQLite write lock held by another process', { cause: e });
      }
      await sleep(Math.min(5 * 2 ** Math.min(attempt, 6), 200) * (0.5 + Math.random()));
    }
  }
}
