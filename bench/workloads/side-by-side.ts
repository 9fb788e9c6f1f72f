/**
 * The floors, the hand-written recursive SQL and the peers, measured on the same questions as
 * Trellis in the same run, each cross-checked against Trellis's answers.
 */
import path from 'node:path';
import type { BenchConfig } from '../config.js';
import type { CheckQuestion, Dataset } from '../datasets/dataset.js';
import { questionText } from '../datasets/dataset.js';
import { measureChecks, onePass } from '../harness/check-loop.js';
import { measure } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import type { CheckSystem } from '../systems/check-system.js';
import { createCasbinPeer } from '../systems/casbin-peer.js';
import { createCedarPeer } from '../systems/cedar-peer.js';
import { openPostgresRecursive } from '../systems/postgres-baselines.js';
import { openSqliteBaselines } from '../systems/sqlite-baselines.js';

export const WARM_ROW = 'trellis check, warm cache';
export const COLD_ROW = 'trellis check, cache off';
/** The cache-off check without recursive queries: the graph walk alone, for comparison. */
export const WALK_ROW = 'trellis check, cache off, walk only';

export interface SideBySideInput {
  readonly dataset: Dataset;
  readonly ctx: RowContext;
  /** Trellis's answers to dataset.questions. */
  readonly reference: readonly boolean[];
  readonly withPeers: boolean;
}

export async function runSideBySide(rec: Recorder, cfg: BenchConfig, input: SideBySideInput): Promise<void> {
  const { dataset, ctx, reference } = input;
  const size = dataset.relationships.length;
  const opts = { warmup: cfg.warmup, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs };

  // Floor of a cache hit: a bare Map.get of a precomputed key (batched: it is far below the clock's resolution).
  const keys = dataset.questions.map(questionText);
  const map = new Map(keys.map((k, i) => [k, reference[i] ?? false]));
  const nKeys = keys.length;
  const mapM = await measure((i) => map.get(keys[i % nKeys] as string), {
    ...opts,
    batch: 1000,
    iterations: Math.ceil(opts.iterations / 10),
  });
  rec.add(
    measuredRow(ctx, 'floor: Map.get', 'floor', mapM, {
      reference: WARM_ROW,
      unit: 'ops/s',
      note: 'batched x1000: per-op mean of each batch',
    }),
  );
  rec.point('floor: Map.get', size, mapM.latency.p50Us);

  const sqlite = openSqliteBaselines(path.join(cfg.workDir, `hand-${dataset.name}.db`), dataset.relationships);
  try {
    // Floor of one store read: the document's owner row looked up by its full key.
    const pointM = await measure((i) => sqlite.pointQuery(dataset.questions[i % nKeys] as CheckQuestion, 'owner'), opts);
    rec.add(measuredRow(ctx, 'floor: SQLite point query', 'floor', pointM, { reference: COLD_ROW, unit: 'ops/s' }));
    rec.point('floor: SQLite point query', size, pointM.latency.p50Us);
    await comparePeer(rec, cfg, ctx, dataset, reference, sqlite.recursive, onePass(cfg.warmup, dataset.questions));
  } finally {
    await sqlite.close();
  }

  if (cfg.postgresUrl) {
    const pgSystem = await openPostgresRecursive(cfg.postgresUrl, dataset.relationships);
    try {
      await comparePeer(rec, cfg, ctx, dataset, reference, pgSystem, onePass(cfg.warmup, dataset.questions));
    } finally {
      await pgSystem.close();
    }
  }

  if (!input.withPeers) return;
  for (const create of [createCasbinPeer, createCedarPeer]) {
    const t0 = Date.now();
    const peer = await create(dataset.relationships);
    rec.note(`  ${peer.name} set up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    try {
      await comparePeer(rec, cfg, ctx, dataset, reference, peer);
    } finally {
      await peer.close();
    }
  }
}

async function comparePeer(
  rec: Recorder,
  cfg: BenchConfig,
  ctx: RowContext,
  dataset: Dataset,
  reference: readonly boolean[],
  system: CheckSystem,
  /** The SQL baselines get the cache-off Trellis rows' warm-up: one pass over the questions. */
  warmup = Math.min(cfg.warmup, 5),
): Promise<void> {
  // Slow peers get a few warm-up questions and at least the budget; every answer is cross-checked.
  const { measurement, report } = await measureChecks(ctx.section, system, dataset.questions, reference, {
    warmup,
    iterations: cfg.maxIterations,
    budgetMs: cfg.budgetMs * 2,
  });
  if (report) rec.crossChecked(report);
  const disagrees = (report?.disagreements ?? 0) > 0;
  rec.add(
    measuredRow(ctx, system.name, system.name, measurement, {
      reference: COLD_ROW,
      ...(disagrees
        ? { status: 'disagrees' as const, note: `${report?.disagreements} of ${report?.questions} answers differ from Trellis` }
        : {}),
    }),
  );
  if (!disagrees) rec.point(system.name, dataset.relationships.length, measurement.latency.p50Us);
}
