/**
 * The store's own benchmark (bench/store, owned by the store's author), run in the same process
 * so its figures land in the same results file and table. Loaded by path at run time and read
 * defensively: the suite still runs, and says why, when that module is absent or changes shape.
 */
import type { BenchConfig } from '../config.js';
import type { Recorder } from '../harness/recorder.js';
import type { LatencySummary } from '../harness/stats.js';

type StoreBench = (options: Record<string, unknown>) => Promise<unknown>;

interface Latency {
  readonly p50Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

const QUERIES: Readonly<Record<string, string>> = {
  point: 'store point query (resource, relation)',
  pointWithSubject: 'store point query (full key)',
  batch50: 'store query, 50 resource ids',
  reverse: 'store reverse query (by subject)',
};

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isLatency(x: unknown): x is Latency {
  return isRecord(x) && ['p50Us', 'p95Us', 'p99Us', 'maxUs'].every((k) => typeof x[k] === 'number');
}

export async function runStore(rec: Recorder, cfg: BenchConfig): Promise<unknown> {
  let mod: { runStoreBench?: StoreBench };
  try {
    // A computed specifier: the type-checker must not require a module another helper writes.
    mod = (await import(new URL('../store/store-bench.js', import.meta.url).href)) as { runStoreBench?: StoreBench };
  } catch (e) {
    rec.problem(`store bench not run: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (typeof mod.runStoreBench !== 'function') {
    rec.problem('store bench not run: bench/store/store-bench.js has no runStoreBench export');
    return undefined;
  }
  const result = await mod.runStoreBench({
    quick: cfg.mode === 'quick',
    full: cfg.mode === 'full',
    relationships: cfg.mode === 'full' ? 1_000_000 : 100_000,
    workDir: cfg.workDir,
    iterations: cfg.mode === 'full' ? 5000 : 1000,
    log: (line: string) => rec.note(`  store: ${line}`),
    // Quick mode leaves Postgres out (its query loops alone overrun the quick budget); an empty
    // URL is how the store bench is told not to fall back to TRELLIS_TEST_POSTGRES_URL.
    postgresUrl: cfg.mode === 'full' ? (cfg.postgresUrl ?? '') : '',
  });
  addRows(rec, result);
  return result;
}

function addRows(rec: Recorder, result: unknown): void {
  if (!isRecord(result)) return;
  for (const backend of ['sqlite', 'postgres'] as const) {
    const r = result[backend];
    if (!isRecord(r) || typeof r['relationships'] !== 'number') continue;
    const relationships = r['relationships'];
    const ctx = { section: `store ${backend}`, dataset: `store-${relationships}`, relationships, backend, system: 'store' };
    if (typeof r['importPerSecond'] === 'number') {
      rec.add({
        ...ctx,
        name: 'store bulk import (Store.bulkCreate)',
        throughput: r['importPerSecond'],
        operations: relationships,
        unit: 'rels/s',
      });
    }
    for (const [key, name] of Object.entries(QUERIES)) {
      const l = r[key];
      if (!isLatency(l)) continue;
      const latency: LatencySummary = {
        samples: Number.NaN,
        p50Us: l.p50Us,
        p95Us: l.p95Us,
        p99Us: l.p99Us,
        maxUs: l.maxUs,
        meanUs: Number.NaN,
      };
      rec.add({
        ...ctx,
        name,
        latency,
        throughput: 1e6 / l.p50Us,
        operations: Number.NaN,
        unit: 'ops/s',
        note: 'throughput = 1 / p50 (the store bench reports latency only)',
      });
    }
  }
}
