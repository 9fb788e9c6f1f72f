/**
 * The stress shapes: check latency down nested-group chains of growing depth, checks through a
 * 100k-member group and its lookup subjects, and lookup resources returning 1k / 10k / 100k
 * documents through a wide arrow.
 */
import type { BenchConfig } from '../config.js';
import { sizeLabel, type CheckQuestion } from '../datasets/dataset.js';
import { bigGroups, chainDocument, generateStress, wideFolder, wideReader } from '../datasets/stress.js';
import { measureChecks } from '../harness/check-loop.js';
import { measure, measureOnce } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import { openTrellis, trellisCheckSystem, type Trellis } from '../systems/trellis-system.js';
import { countLookupResources, countLookupSubjects, measureLookupSubjects } from './lookups.js';
import { sqlitePath } from './docs-suite.js';

export async function runStress(rec: Recorder, cfg: BenchConfig): Promise<void> {
  const dataset = generateStress(cfg.stress);
  const ctx: RowContext = {
    section: 'stress sqlite',
    dataset: dataset.name,
    relationships: dataset.relationships.length,
    backend: 'sqlite',
  };
  const datastore = sqlitePath(cfg, 'stress');
  const opts = { warmup: cfg.warmup, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs / 2 };
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
      note: `${imported.items} relationships in ${(imported.elapsedMs / 1000).toFixed(2)} s`,
    });
    cold = await openTrellis({ datastore, cache: false });
    const consistency = { kind: 'at_least_as_fresh' as const, token };
    const coldSystem = trellisCheckSystem(cold, 'trellis (cache off)', consistency);
    const warmSystem = trellisCheckSystem(warm, 'trellis');

    for (const depth of cfg.stress.chainDepths) {
      const q: CheckQuestion[] = [
        {
          resource: { type: 'document', id: chainDocument(depth) },
          permission: 'view',
          subject: { type: 'user', id: `chain-user-${depth}` },
        },
      ];
      for (const [label, system] of [
        ['cache off', coldSystem],
        ['warm cache', warmSystem],
      ] as const) {
        const run = await measureChecks(ctx.section, system, q, [true], opts);
        if (run.report) rec.crossChecked(run.report);
        rec.add(measuredRow(ctx, `check through ${depth} nested groups, ${label}`, 'trellis', run.measurement, flag(run.report)));
      }
    }

    const members = Array.from({ length: 1000 }, (_, i): CheckQuestion => ({
      resource: { type: 'document', id: 'big-doc' },
      permission: 'view',
      subject: { type: 'user', id: `big-${(i * 7919) % cfg.stress.bigGroupMembers}` },
    }));
    const bigLabel = sizeLabel(cfg.stress.bigGroupMembers);
    const big = await measureChecks(
      ctx.section,
      coldSystem,
      members,
      members.map(() => true),
      opts,
    );
    if (big.report) rec.crossChecked(big.report);
    rec.add(
      measuredRow(
        ctx,
        `check via a ${sizeLabel(cfg.stress.bigGroupMembers)}-member group, cache off`,
        'trellis',
        big.measurement,
        flag(big.report),
      ),
    );
    const lsName = `trellis lookup subjects of a ${bigLabel}-member group`;
    const predictedMs = await predictLookupSubjectsMs(warm, cfg.stress.bigGroupMembers);
    if (predictedMs.ms > cfg.sectionTimeoutMs / 4) {
      rec.add({
        ...ctx,
        name: lsName,
        system: 'trellis',
        throughput: 0,
        operations: 0,
        unit: 'subjects/s',
        status: 'skipped',
        note: `predicted ${(predictedMs.ms / 1000).toFixed(0)} s for one lookup (${predictedMs.how})`,
      });
      rec.problem(`stress: ${lsName} skipped, predicted ${(predictedMs.ms / 1000).toFixed(0)} s (${predictedMs.how})`);
    } else {
      await measureLookupSubjects(
        rec,
        ctx,
        warm,
        [{ type: 'document', id: 'big-doc' }],
        { ...opts, warmup: 0, budgetMs: cfg.budgetMs },
        lsName,
      );
    }

    for (const size of cfg.stress.wideFolders) {
      const reader = { type: 'user', id: wideReader(size) };
      let wrongCount = 0;
      const m = await measure(
        async () => {
          const n = await countLookupResources(warm, 'document', 'view', reader);
          if (n !== size) wrongCount++;
        },
        { warmup: size > 10_000 ? 0 : 1, iterations: cfg.maxIterations, budgetMs: cfg.budgetMs },
      );
      rec.add(
        measuredRow(ctx, `trellis lookup resources, ${sizeLabel(size)} results (wide arrow)`, 'trellis', m, {
          unit: 'results/s',
          itemsPerOp: size,
          note: 'latency per complete lookup',
          ...(wrongCount > 0
            ? { status: 'disagrees' as const, note: `${wrongCount} lookups did not return exactly ${size} documents` }
            : {}),
        }),
      );
      const child: CheckQuestion[] = Array.from({ length: 200 }, (_, i) => ({
        resource: { type: 'document', id: `${wideFolder(size)}-d${(i * 31) % size}` },
        permission: 'view',
        subject: reader,
      }));
      const arrow = await measureChecks(
        ctx.section,
        coldSystem,
        child,
        child.map(() => true),
        opts,
      );
      if (arrow.report) rec.crossChecked(arrow.report);
      rec.add(
        measuredRow(ctx, `check a child of a ${sizeLabel(size)}-child folder, cache off`, 'trellis', arrow.measurement, flag(arrow.report)),
      );
    }
  } finally {
    await cold?.close();
    await warm.close();
  }
}

/**
 * Times lookup subjects on the two probe groups (1/100 and 1/25 of the big one) and extrapolates
 * with the observed growth exponent, so a super-linear lookup is reported instead of run for an hour.
 */
async function predictLookupSubjectsMs(trellis: Trellis, members: number): Promise<{ ms: number; how: string }> {
  const [, [, a], [, b]] = bigGroups(members) as [[string, number], [string, number], [string, number]];
  const time = async (group: string): Promise<number> => {
    const t0 = performance.now();
    await countLookupSubjects(trellis, { type: 'document', id: `${group}-doc` }, 'view', 'user');
    return Math.max(0.01, performance.now() - t0);
  };
  const ta = await time('probe-a');
  const tb = await time('probe-b');
  const exponent = Math.max(1, Math.log(tb / ta) / Math.log(b / a));
  const ms = tb * (members / b) ** exponent;
  return {
    ms,
    how: `${sizeLabel(a)} members: ${ta.toFixed(0)} ms, ${sizeLabel(b)}: ${tb.toFixed(0)} ms, growth exponent ${exponent.toFixed(2)}`,
  };
}

function flag(report: { disagreements: number; questions: number } | undefined): { status?: 'disagrees'; note?: string } {
  return report && report.disagreements > 0
    ? { status: 'disagrees', note: `${report.disagreements} of ${report.questions} answers wrong` }
    : {};
}
