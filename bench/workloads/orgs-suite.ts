/** The GitHub-like dataset: checks (warm and cache off) and lookup resources over repositories. */
import type { BenchConfig } from '../config.js';
import { sizeLabel } from '../datasets/dataset.js';
import { generateOrgs } from '../datasets/orgs.js';
import { measureChecks, onePass } from '../harness/check-loop.js';
import { answerAll } from '../harness/cross-check.js';
import { measureOnce } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import { hitRatio, openTrellis, trellisCheckSystem, type Trellis } from '../systems/trellis-system.js';
import { measureLookupResources } from './lookups.js';
import { sqlitePath } from './docs-suite.js';

export async function runOrgs(rec: Recorder, cfg: BenchConfig, size: number): Promise<void> {
  const dataset = generateOrgs({ relationships: size, questions: cfg.questions });
  const ctx: RowContext = { section: `orgs-${sizeLabel(size)} sqlite`, dataset: dataset.name, relationships: size, backend: 'sqlite' };
  const datastore = sqlitePath(cfg, dataset.name);
  const opts = { warmup: cfg.warmup, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs };
  const warm = await openTrellis({ datastore, cache: true });
  let cold: Trellis | undefined;
  try {
    await warm.writeSchema(dataset.schema);
    let token = '';
    const imported = await measureOnce(async () => {
      const r = await warm.importRelationships(dataset.relationships);
      token = r.importedAt;
      return r.loaded;
    });
    rec.add({
      ...ctx,
      name: 'trellis bulk import',
      system: 'trellis',
      throughput: imported.perSecond,
      operations: imported.items,
      unit: 'rels/s',
    });
    const warmSystem = trellisCheckSystem(warm, 'trellis');
    const reference = await answerAll(dataset.questions, (q) => warmSystem.check(q));
    const allowed = reference.filter(Boolean).length;
    const before = warm.metrics();
    const w = await measureChecks(ctx.section, warmSystem, dataset.questions, reference, opts);
    const ratio = hitRatio(before, warm.metrics());
    rec.add(
      measuredRow(ctx, 'trellis check, warm cache', 'trellis', w.measurement, {
        ...(ratio !== undefined ? { cacheHitRatio: ratio } : {}),
        note: `${allowed} of ${reference.length} questions allowed`,
      }),
    );
    cold = await openTrellis({ datastore, cache: false });
    const c = await measureChecks(
      ctx.section,
      trellisCheckSystem(cold, 'trellis (cache off)', { kind: 'at_least_as_fresh', token }),
      dataset.questions,
      reference,
      { ...opts, warmup: onePass(opts.warmup, dataset.questions) },
    );
    if (c.report) rec.crossChecked(c.report);
    rec.add(
      measuredRow(
        ctx,
        'trellis check, cache off',
        'trellis',
        c.measurement,
        c.report && c.report.disagreements > 0 ? { status: 'disagrees' } : {},
      ),
    );
    await measureLookupResources(
      rec,
      ctx,
      warm,
      dataset.questions.slice(0, 30).map((q) => q.subject),
      undefined,
      opts,
      'trellis lookup resources (repository pull)',
      'repository',
      'pull',
    );
  } finally {
    await cold?.close();
    await warm.close();
  }
}
