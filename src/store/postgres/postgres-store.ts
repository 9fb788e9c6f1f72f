/**
 * The Postgres Store: stateless processes share one database and see each other's writes
 * at the revisions they are given.
 *
 * Revisions are allocated as max+1 inside the write transaction while holding a
 * transaction-scoped advisory lock, so revision order is commit order and a reader at the
 * committed head sees every earlier revision complete. The trade-off: writes to one store
 * are serialised (one writer at a time across all processes), which SpiceDB avoided with
 * xid8 snapshots (PR #852). Writes are short (a few statements), so this caps throughput
 * at roughly one write per round-trip-bundle, in exchange for integer revisions that
 * every component (cache keys, tokens, the change feed) can compare directly.
 */
import {
  DatastoreUnavailableError,
  InvalidArgumentError,
  InvalidRevisionError,
  SerializationError,
  type JsonObject,
} from '../../core/index.js';
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
import { createPgPool, type PgClient, type PgPool } from './driver.js';
import { CLOCK_MS, pgExec, pgQuery } from './pg-connection.js';
import { isRetryableConflict, translatePgError } from './pg-errors.js';
import { migratePostgres } from './pg-migrations.js';
import { PgReader, PgWriter } from './pg-reader.js';

const MAX_ATTEMPTS = 5;
const ANALYZE_AFTER_ROWS = 10_000;
const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresStoreOptions extends StoreOptions {
  readonly url: string;
  /** Postgres schema holding the tables (created if missing); default `public`. */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

interface Clocks {
  /** The database clock, epoch ms. */
  ms: number;
  head: number;
  oldest: number;
  at_window: number | null;
  quantized: number | null;
}

const COUNTERS = counterSql((n) => `$${n}`);

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly mutex = new AsyncMutex();
  private readonly quantizationMs: number;
  private readonly gcWindowMs: number;
  private gcJob: BackgroundJob | undefined;
  private closed = false;
  private readonly optimized = new OptimizedRevisionCache();

  private constructor(
    private readonly pool: PgPool,
    readonly uniqueId: string,
    options: StoreOptions,
  ) {
    this.quantizationMs = options.quantizationMs ?? DEFAULT_QUANTIZATION_MS;
    this.gcWindowMs = options.gcWindowMs ?? DEFAULT_GC_WINDOW_MS;
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME_RE.test(schema)) throw new InvalidArgumentError(`invalid Postgres schema name \`${schema}\``, 'schema');
    const pool = await createPgPool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      ...(options.schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // Idle clients that lose their connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    let uniqueId: string;
    try {
      const client = await connect(pool);
      try {
        uniqueId = await migratePostgres(client, schema);
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw translatePgError(e);
    }
    const store = new PostgresStore(pool, uniqueId, options);
    const interval = options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS;
    if (interval > 0) store.gcJob = startBackgroundGc(() => store.gc(), interval, options.onBackgroundError ?? (() => {}));
    return store;
  }

  /** Head, oldest retained, GC horizon and quantized revision, all by the database clock. */
  private async clocks(): Promise<Clocks> {
    const q = Math.max(this.quantizationMs, 1);
    const [row] = await pgQuery<Clocks>(
      this.pool,
      `WITH c AS (SELECT ${CLOCK_MS} AS ms)
       SELECT c.ms, (SELECT max(revision) FROM transactions) AS head,
              (SELECT min(revision) FROM transactions) AS oldest,
              (SELECT max(revision) FROM transactions, c WHERE committed_at <= c.ms - $1::bigint) AS at_window,
              (SELECT max(revision) FROM transactions, c WHERE committed_at <= (c.ms / $2::bigint) * $2::bigint) AS quantized
       FROM c`,
      [this.gcWindowMs, q],
    );
    return row!;
  }

  async headRevision(): Promise<number> {
    const [row] = await pgQuery<{ r: number }>(this.pool, 'SELECT max(revision) AS r FROM transactions');
    return row?.r ?? 1;
  }

  cachedOptimizedRevision(): number | undefined {
    if (this.quantizationMs <= 0 || this.gcWindowMs < 2 * this.quantizationMs) return undefined;
    return this.optimized.peek();
  }

  async optimizedRevision(): Promise<number> {
    if (this.quantizationMs <= 0) return this.headRevision();
    // The horizon moves with time; a window longer than half the GC window could outlive it.
    if (this.gcWindowMs < 2 * this.quantizationMs) this.optimized.clear();
    return this.optimized.get(async () => {
      const c = await this.clocks();
      const floor = c.at_window ?? c.oldest;
      const revision = c.quantized !== null && c.quantized > floor ? c.quantized : floor;
      const windowStart = Math.floor(c.ms / this.quantizationMs) * this.quantizationMs;
      return { revision, nowMs: c.ms, windowEndMs: windowStart + this.quantizationMs };
    });
  }

  async checkRevision(revision: number): Promise<void> {
    const c = await this.clocks();
    if (revision > c.head) throw new InvalidRevisionError('future');
    if (revision < (c.at_window ?? c.oldest)) throw new InvalidRevisionError('expired');
  }

  reader(revision: number): StoreReader {
    return new PgReader(this.pool, revision);
  }

  async write<T>(fn: (tx: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<{ result: T; revision: number }> {
    // One writer per process at a time: waiting writers would otherwise hold pooled
    // connections blocked on the advisory lock and starve readers.
    return this.mutex.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await connect(this.pool);
        let broken = false;
        try {
          return await this.attempt(client, fn, options);
        } catch (e) {
          // A connection that failed mid-transaction is not returned to the pool.
          broken = e instanceof DatastoreUnavailableError;
          // Only conflicts the database reported are retried; a SerializationError thrown by
          // `fn` itself (e.g. "cannot replay this import") is the caller's verdict.
          if (e instanceof SerializationError && isRetryableConflict(e.cause) && attempt < MAX_ATTEMPTS) continue;
          throw e;
        } finally {
          client.release(broken);
        }
      }
    });
  }

  private async attempt<T>(
    client: PgClient,
    fn: (tx: StoreWriter) => Promise<T>,
    options?: WriteOptions,
  ): Promise<{ result: T; revision: number }> {
    await pgExec(client, 'BEGIN');
    let open = true;
    try {
      await pgExec(client, 'SELECT pg_advisory_xact_lock(7472, hashtext(current_schema()))');
      const [last] = await pgQuery<{ revision: number; committed_at: number }>(
        client,
        'SELECT revision, committed_at FROM transactions ORDER BY revision DESC LIMIT 1',
      );
      const revision = (last?.revision ?? 0) + 1;
      const tx = new PgWriter(client, revision);
      const result = await fn(tx);
      await pgExec(
        client,
        `INSERT INTO transactions (revision, committed_at, metadata, schema_changed) VALUES ($1, GREATEST(${CLOCK_MS}, $2::bigint), $3, $4)`,
        [revision, last?.committed_at ?? 0, options?.metadata ? JSON.stringify(options.metadata) : null, tx.schemaChanged],
      );
      await pgExec(client, 'COMMIT');
      open = false;
      // A fresh table's statistics predate a big import, and with them the planner picks
      // sequential scans for id lists (100 ms instead of 0.1 ms at 100k rows). Autovacuum
      // would catch up eventually; the importer pays the few hundred ms instead of readers.
      if (tx.bulkInserted >= ANALYZE_AFTER_ROWS) await pgExec(client, 'ANALYZE relationships').catch(() => undefined);
      return { result, revision };
    } finally {
      if (open) await pgExec(client, 'ROLLBACK').catch(() => undefined);
    }
  }

  async changesSince(after: number, limit = 100): Promise<ChangeSet[]> {
    const [oldest] = await pgQuery<{ r: number }>(this.pool, 'SELECT min(revision) AS r FROM transactions');
    if (!changesRetained(after, oldest?.r ?? 1)) throw new InvalidRevisionError('expired');
    const txs = await pgQuery<{ revision: number; metadata: string | null; schema_changed: boolean }>(
      this.pool,
      'SELECT revision, metadata, schema_changed FROM transactions WHERE revision > $1 ORDER BY revision LIMIT $2',
      [after, limit],
    );
    const last = txs[txs.length - 1];
    if (!last) return [];
    type Row = RelationshipRow & { rev: number };
    const toEvent = (r: Row): VersionEvent => ({ revision: r.rev, relationship: rowToRelationship(r) });
    const [created, deleted] = await Promise.all([
      pgQuery<Row>(this.pool, `SELECT ${REL_COLUMNS}, created_rev AS rev FROM relationships WHERE created_rev > $1 AND created_rev <= $2`, [
        after,
        last.revision,
      ]),
      pgQuery<Row>(
        this.pool,
        `SELECT ${REL_COLUMNS}, deleted_rev AS rev FROM relationships WHERE deleted_rev IS NOT NULL AND deleted_rev > $1 AND deleted_rev <= $2`,
        [after, last.revision],
      ),
    ]);
    return assembleChangeSets(
      txs.map((t) => ({
        revision: t.revision,
        metadata: t.metadata === null ? null : (JSON.parse(t.metadata) as JsonObject),
        schemaChanged: t.schema_changed,
      })),
      created.map(toEvent),
      deleted.map(toEvent),
    );
  }

  async gc(): Promise<GcResult> {
    const c = await this.clocks();
    const horizon = c.at_window ?? c.oldest;
    const keys = `${KEY_COLUMNS.join(', ')}, created_rev`;
    const relationshipsRemoved = await this.deleteInBatches(
      `DELETE FROM relationships WHERE (${keys}) IN (SELECT ${keys} FROM relationships WHERE deleted_rev IS NOT NULL AND deleted_rev <= $1 LIMIT ${GC_BATCH_SIZE})`,
      [horizon],
    );
    const expiredRemoved = await this.deleteInBatches(
      `DELETE FROM relationships WHERE (${keys}) IN (SELECT ${keys} FROM relationships WHERE expires_at IS NOT NULL AND expires_at < ${CLOCK_MS} - $1::bigint LIMIT ${GC_BATCH_SIZE})`,
      [this.gcWindowMs],
    );
    const transactionsRemoved = await this.deleteInBatches(
      `DELETE FROM transactions WHERE revision IN (SELECT revision FROM transactions WHERE revision < $1 ORDER BY revision LIMIT ${GC_BATCH_SIZE})`,
      [horizon],
    );
    await this.deleteInBatches('DELETE FROM schemas WHERE revision < (SELECT max(revision) FROM schemas WHERE revision <= $1)', [horizon]);
    await this.deleteInBatches(COUNTERS.collect, [horizon]);
    return { relationshipsRemoved, transactionsRemoved, expiredRemoved };
  }

  private async deleteInBatches(sql: string, values: unknown[]): Promise<number> {
    let total = 0;
    for (let attempt = 1; ;) {
      let n: number;
      try {
        n = await pgExec(this.pool, sql, values);
      } catch (e) {
        // A deadlock with a writer ending the same expired row: retry the batch.
        if (e instanceof SerializationError && isRetryableConflict(e.cause) && attempt++ < MAX_ATTEMPTS) continue;
        throw e;
      }
      total += n;
      if (n < GC_BATCH_SIZE) return total;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gcJob?.stop();
    await this.mutex.run(async () => {
      await this.pool.end();
    });
  }
}

async function connect(pool: PgPool): Promise<PgClient> {
  try {
    return await pool.connect();
  } catch (e) {
    throw translatePgError(e);
  }
}
