/**
 * The store benchmark: bulk import rate into SQLite (a WAL file) and Postgres, then point
 * and reverse query latency at that size, on exactly the query shapes the engine issues
 * (check: resource ids + relation; lookup resources: subject ids, ordered by subject).
 *
 * `runStoreBench(options)` returns plain JSON; `node dist/bench/store/store-bench.js
 * [--full]` runs it alone and prints the JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Relationship, RelationshipFilter } from '../../src/core/index.js';
import { openStore, type QueryOptions, type Store } from '../../src/store/index.js';

export interface StoreBenchOptions {
  /** Relationships to import (default 100k in quick mode, 1M otherwise). */
  readonly relationships?: number;
  readonly quick?: boolean;
  readonly full?: boolean;
  /** Where the SQLite file goes (default: a temp dir, removed afterwards). */
  readonly workDir?: string;
  /** Postgres to benchmark too (default: TRELLIS_TEST_POSTGRES_URL); each run uses a scratch schema. */
  readonly postgresUrl?: string;
  /** Timed queries per latency measurement (default 2000 quick, 5000 full). */
  readonly iterations?: number;
  readonly log?: (line: string) => void;
}

export interface LatencyStats {
  readonly p50Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  /** Mean rows returned per query, to show the queries are not trivially empty. */
  readonly meanRows: number;
}

export interface BackendResult {
  readonly backend: 'sqlite' | 'postgres';
  readonly relationships: number;
  readonly importSeconds: number;
  readonly importPerSecond: number;
  /** Check shape: one resource id, one relation. */
  readonly point: LatencyStats;
  /** Check shape with the subject: resource ids, relation and one subject id. */
  readonly pointWithSubject: LatencyStats;
  /** Batched check shape: 50 resource ids in one query. */
  readonly batch50: LatencyStats;
  /** LookupResources shape: subject ids, resource type and relation, ordered by subject. */
  readonly reverse: LatencyStats;
}

export interface StoreBenchResult {
  readonly relationships: number;
  readonly sqlite: BackendResult;
  readonly postgres?: BackendResult;
  readonly postgresSkipped?: string;
}

/** Deterministic dataset: documents with 4 relationships each (1 owner, 3 viewers) over users. */
export class StoreDataset {
  readonly documents: number;
  readonly users: number;
  constructor(readonly size: number) {
    this.documents = Math.ceil(size / 4);
    this.users = Math.max(64, Math.floor(size / 8));
  }

  relationship(i: number): Relationship {
    const doc = Math.floor(i / 4);
    const k = i % 4;
    return {
      resource: { type: 'document', id: `doc${doc}` },
      relation: k === 0 ? 'owner' : 'viewer',
      subject: { type: 'user', id: `user${(doc * 13 + k) % this.users}` },
    };
  }

  *chunks(chunkSize: number): Generator<Relationship[]> {
    for (let start = 0; start < this.size; start += chunkSize) {
      const chunk: Relationship[] = [];
      for (let i = start; i < Math.min(this.size, start + chunkSize); i++) chunk.push(this.relationship(i));
      yield chunk;
    }
  }
}

/**
 * Relationships per bulkCreate call: what Trellis.importRelationships hands the store at once
 * (its IMPORT_BUFFER), so this measures the store as the import path drives it.
 */
const IMPORT_CALL = 1 << 20;

/** A small deterministic PRNG so runs query the same keys. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

async function measure(
  store: Store,
  iterations: number,
  makeQuery: (rand: () => number) => { filter: RelationshipFilter; options?: QueryOptions },
): Promise<LatencyStats> {
  const reader = store.reader(await store.headRevision());
  const rand = prng(42);
  const warmup = Math.min(500, iterations);
  for (let i = 0; i < warmup; i++) {
    const q = makeQuery(rand);
    await reader.query(q.filter, q.options);
  }
  const samples = new Array<number>(iterations);
  let rows = 0;
  for (let i = 0; i < iterations; i++) {
    const q = makeQuery(rand);
    const t0 = process.hrtime.bigint();
    const got = await reader.query(q.filter, q.options);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    rows += got.length;
  }
  samples.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    p50Us: round(percentile(samples, 50)),
    p95Us: round(percentile(samples, 95)),
    p99Us: round(percentile(samples, 99)),
    maxUs: round(samples[samples.length - 1]!),
    meanRows: round(rows / iterations),
  };
}

async function benchBackend(
  backend: 'sqlite' | 'postgres',
  store: Store,
  data: StoreDataset,
  iterations: number,
  log: (l: string) => void,
): Promise<BackendResult> {
  const t0 = process.hrtime.bigint();
  await store.write(async (tx) => {
    for (const chunk of data.chunks(IMPORT_CALL)) await tx.bulkCreate(chunk);
  });
  const importSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const importPerSecond = Math.round(data.size / importSeconds);
  log(`  ${backend}: imported ${data.size} relationships in ${importSeconds.toFixed(2)} s (${importPerSecond}/s)`);
  const doc = (r: () => number) => `doc${Math.floor(r() * data.documents)}`;
  const user = (r: () => number) => `user${Math.floor(r() * data.users)}`;
  const point = await measure(store, iterations, (r) => ({
    filter: { resourceType: 'document', resourceIds: [doc(r)], relation: 'viewer' },
  }));
  // Half the subject checks hit a stored relationship, half miss.
  const pointWithSubject = await measure(store, iterations, (r) => {
    const hit = data.relationship(1 + 4 * Math.floor(r() * (data.documents - 1)));
    const subject = r() < 0.5 ? hit.subject.id : user(r);
    return {
      filter: {
        resourceType: 'document',
        resourceIds: [hit.resource.id],
        relation: 'viewer',
        subject: { type: 'user', ids: [subject], relation: '...' },
      },
    };
  });
  const batch50 = await measure(store, Math.max(200, Math.floor(iterations / 5)), (r) => ({
    filter: { resourceType: 'document', resourceIds: Array.from({ length: 50 }, () => doc(r)), relation: 'viewer' },
  }));
  const reverse = await measure(store, iterations, (r) => ({
    filter: { resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: [user(r)], relation: '...' } },
    options: { order: 'subject' },
  }));
  log(`  ${backend}: point p50 ${point.p50Us} µs p99 ${point.p99Us} µs; reverse p50 ${reverse.p50Us} µs p99 ${reverse.p99Us} µs`);
  return {
    backend,
    relationships: data.size,
    importSeconds: Math.round(importSeconds * 1000) / 1000,
    importPerSecond,
    point,
    pointWithSubject,
    batch50,
    reverse,
  };
}

export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const quick = options.full ? false : (options.quick ?? true);
  const size = options.relationships ?? (quick ? 100_000 : 1_000_000);
  const iterations = options.iterations ?? (quick ? 2000 : 5000);
  const log = options.log ?? ((line: string) => console.log(line));
  const data = new StoreDataset(size);

  const base = options.workDir ? join(options.workDir, 'store-bench') : tmpdir();
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'sqlite-'));
  let sqlite: BackendResult;
  try {
    const store = await openStore(join(dir, 'bench.db'), { gcIntervalMs: 0, quantizationMs: 0 });
    try {
      sqlite = await benchBackend('sqlite', store, data, iterations, log);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const pgUrl = options.postgresUrl ?? process.env.TRELLIS_TEST_POSTGRES_URL;
  if (!pgUrl) return { relationships: size, sqlite, postgresSkipped: 'no postgresUrl / TRELLIS_TEST_POSTGRES_URL' };
  const postgres = await withScratchSchema(pgUrl, async (url) => {
    const store = await openStore(url, { gcIntervalMs: 0, quantizationMs: 0 });
    try {
      return await benchBackend('postgres', store, data, iterations, log);
    } finally {
      await store.close();
    }
  });
  return { relationships: size, sqlite, postgres };
}

/** Runs `fn` with a URL whose search_path is a fresh schema, dropped afterwards. */
async function withScratchSchema<T>(baseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const schema = `trellis_store_bench_${randomBytes(4).toString('hex')}`;
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

// The file-name check keeps bundled copies (tests, tooling) from running the bench on import.
if (process.argv[1]?.endsWith('store-bench.js') && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const full = process.argv.includes('--full');
  runStoreBench({ full, quick: !full }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
