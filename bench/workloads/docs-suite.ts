/**
 * The docs dataset at one size on one backend: bulk import, check with a warm cache, with the
 * cache off, at a controlled ~90% hit ratio, bulk check, lookups, transactional writes, then the
 * floors, baselines and peers side by side on the same questions.
 */
import path from 'node:path';
import type { Consistency } from '../../src/engine/index.js';
import type { BenchConfig } from '../config.js';
import { sizeLabel, type CheckQuestion, type Dataset } from '../datasets/dataset.js';
import { generateDocs, moreDocsQuestions } from '../datasets/docs.js';
import { DocsGraph } from '../datasets/docs-graph.js';
import { createRng } from '../datasets/rng.js';
import { measureChecks, onePass } from '../harness/check-loop.js';
import { answerAll, crossCheck } from '../harness/cross-check.js';
import { measure, measureOnce } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import { hitRatio, openTrellis, trellisCheckSystem, type Trellis } from '../systems/trellis-system.js';
import type { CheckSystem } from '../systems/check-system.js';
import { COLD_ROW, runSideBySide, WALK_ROW, WARM_ROW } from './side-by-side.js';
import { measureLookupResources, measureLookupSubjects } from './lookups.js';
import { measureWrites } from './writes.js';

export interface DocsRunOptions {
  readonly size: number;
  readonly backend: 'sqlite' | 'postgres';
  /** SQLite file path or Postgres URL for Trellis. */
  readonly datastore: string;
  readonly sideBySide: boolean;
  readonly withPeers: boolean;
}

export async function runDocs(rec: Recorder, cfg: BenchConfig, o: DocsRunOptions): Promise<void> {
  const dataset = generateDocs({ relationships: o.size, questions: cfg.questions });
  const ctx: RowContext = {
    section: `docs-${sizeLabel(o.size)} ${o.backend}`,
    dataset: dataset.name,
    relationships: o.size,
    backend: o.backend,
  };
  const graph = new DocsGraph(dataset.relationships);
  const oracle = dataset.questions.map((q) => graph.check(q));
  const opts = { warmup: cfg.warmup, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs };
  const coldOpts = { ...opts, warmup: onePass(opts.warmup, dataset.questions) };
  const series = o.backend === 'sqlite' ? '' : ' (postgres)';

  const warm = await openTrellis({ datastore: o.datastore, cache: true });
  let cold: Trellis | undefined;
  let walked: Trellis | undefined;
  try {
    await warm.writeSchema(dataset.schema);
    let token = '';
    const imported = await measureOnce(async () => {
      const result = await warm.importRelationships(dataset.relationships);
      token = result.importedAt;
      return result.loaded;
    });
    rec.add({
      ...ctx,
      name: 'trellis bulk import',
      system: 'trellis',
      throughput: imported.perSecond,
      operations: imported.items,
      unit: 'rels/s',
      note: `${imported.items} relationships in ${(imported.elapsedMs / 1000).toFixed(2)} s`,
    });

    // Trellis's answers are the reference for every other system; they are themselves checked against the docs oracle.
    const warmSystem = trellisCheckSystem(warm, 'trellis');
    const reference = await answerAll(dataset.questions, (q) => warmSystem.check(q));
    rec.crossChecked(crossCheck(ctx.section, 'trellis vs docs oracle', dataset.questions, oracle, reference));

    const before = warm.metrics();
    const warmRun = await measureChecks(ctx.section, warmSystem, dataset.questions, reference, opts);
    rec.add(measuredRow(ctx, WARM_ROW, 'trellis', warmRun.measurement, ratio(hitRatio(before, warm.metrics()))));
    rec.point(`trellis warm${series}`, o.size, warmRun.measurement.latency.p50Us);

    cold = await openTrellis({ datastore: o.datastore, cache: false });
    // A second instance on the same datastore; the import's token makes it read the imported data
    // at once instead of after the quantization window, as a client holding that token would.
    const coldSystem = trellisCheckSystem(cold, 'trellis (cache off)', { kind: 'at_least_as_fresh', token });
    const coldRun = await measureChecks(ctx.section, coldSystem, dataset.questions, reference, coldOpts);
    if (coldRun.report) rec.crossChecked(coldRun.report);
    rec.add(measuredRow(ctx, COLD_ROW, 'trellis', coldRun.measurement, statusOf(coldRun.report)));
    rec.point(`trellis cache off${series}`, o.size, coldRun.measurement.latency.p50Us);

    walked = await openTrellis({ datastore: o.datastore, cache: false, recursiveQueries: false });
    const walkRun = await measureChecks(
      ctx.section,
      trellisCheckSystem(walked, 'trellis (cache off, walk only)', { kind: 'at_least_as_fresh', token }),
      dataset.questions,
      reference,
      coldOpts,
    );
    if (walkRun.report) rec.crossChecked(walkRun.report);
    rec.add(measuredRow(ctx, WALK_ROW, 'trellis', walkRun.measurement, { reference: COLD_ROW, ...statusOf(walkRun.report) }));
    await walked.close();
    walked = undefined;

    await measureMixed(rec, cfg, ctx, warm, dataset, graph);
    await measureBulk(rec, cfg, ctx, cold, dataset.questions, reference, { kind: 'at_least_as_fresh', token });
    await measureLookupResources(
      rec,
      ctx,
      warm,
      dataset.questions.slice(0, 40).map((q) => q.subject),
      graph,
      opts,
    );
    await measureLookupSubjects(
      rec,
      ctx,
      warm,
      dataset.questions.slice(0, 40).map((q) => q.resource),
      opts,
    );

    if (o.sideBySide) await runSideBySide(rec, cfg, { dataset, ctx, reference, withPeers: o.withPeers });

    // Writes last: each one moves the revision and so retires the cache the rows above used.
    await measureWrites(rec, ctx, warm, o.size, opts);
  } finally {
    await walked?.close();
    await cold?.close();
    await warm.close();
  }
}

function ratio(r: number | undefined): { cacheHitRatio?: number } {
  return r === undefined ? {} : { cacheHitRatio: r };
}

function statusOf(report: { disagreements: number; questions: number } | undefined): { status?: 'disagrees'; note?: string } {
  return report && report.disagreements > 0
    ? { status: 'disagrees', note: `${report.disagreements} of ${report.questions} answers differ from the warm-cache answers` }
    : {};
}

/** ~90% of checks repeat warmed questions, ~10% are questions never asked before. */
async function measureMixed(
  rec: Recorder,
  cfg: BenchConfig,
  ctx: RowContext,
  trellis: Trellis,
  dataset: Dataset,
  graph: DocsGraph,
): Promise<void> {
  const fresh = moreDocsQuestions(dataset, Math.ceil(cfg.maxIterations / 10) + cfg.warmup, 99);
  const rng = createRng(42);
  const mix: CheckQuestion[] = [];
  let f = 0;
  for (let i = 0; i < cfg.maxIterations + cfg.warmup && f < fresh.length; i++) {
    mix.push(rng.chance(0.9) ? rng.pick(dataset.questions) : (fresh[f++] as CheckQuestion));
  }
  const system: CheckSystem = trellisCheckSystem(trellis, 'trellis');
  const before = trellis.metrics();
  const run = await measureChecks(
    ctx.section,
    system,
    mix,
    mix.map((q) => graph.check(q)),
    { warmup: cfg.warmup, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs },
  );
  if (run.report) rec.crossChecked({ ...run.report, system: 'trellis mixed vs docs oracle' });
  rec.add(
    measuredRow(ctx, 'trellis check, ~90% repeated questions', 'trellis', run.measurement, ratio(hitRatio(before, trellis.metrics()))),
  );
}

const BULK = 100;

async function measureBulk(
  rec: Recorder,
  cfg: BenchConfig,
  ctx: RowContext,
  trellis: Trellis,
  questions: readonly CheckQuestion[],
  reference: readonly boolean[],
  consistency: Consistency,
): Promise<void> {
  const batches = Math.floor(questions.length / BULK);
  let wrong = 0;
  const m = await measure(
    async (i) => {
      const b = i % batches;
      const items = questions.slice(b * BULK, (b + 1) * BULK);
      const res = await trellis.checkBulk({ items, consistency });
      res.results.forEach((r, k) => {
        if (!r.ok || (r.permissionship === 'has_permission') !== reference[b * BULK + k]) wrong++;
      });
    },
    { warmup: Math.min(cfg.warmup, 5), iterations: cfg.maxIterations, budgetMs: cfg.budgetMs },
  );
  rec.add(
    measuredRow(ctx, `trellis bulk check x${BULK}, cache off`, 'trellis', m, {
      itemsPerOp: BULK,
      note: `latency per call of ${BULK} checks`,
      ...(wrong > 0 ? { status: 'disagrees' as const, note: `${wrong} bulk answers differ from check` } : {}),
    }),
  );
}

export function sqlitePath(cfg: BenchConfig, name: string): string {
  return path.join(cfg.workDir, `trellis-${name}.db`);
}
