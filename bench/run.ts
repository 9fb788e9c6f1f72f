/**
 * `npm run bench [-- --full] [-- --only docs,grpc]`: runs every section, prints the table and
 * the targets, and writes bench/results/latest.json and bench/results/check-latency.svg.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, wants, type BenchConfig } from './config.js';
import { sizeLabel } from './datasets/dataset.js';
import { machineInfo } from './harness/machine.js';
import { Recorder } from './harness/recorder.js';
import type { BenchResults } from './harness/results.js';
import { withRatios } from './harness/rows.js';
import { renderCheckLatencyChart } from './harness/svg-chart.js';
import { renderTable, renderTargets } from './harness/table.js';
import { evaluateTargets } from './harness/targets.js';
import { createScratchDatabase } from './systems/postgres-database.js';
import { runDocs, sqlitePath } from './workloads/docs-suite.js';
import { runGrpc } from './workloads/grpc-suite.js';
import { runOrgs } from './workloads/orgs-suite.js';
import { runStore } from './workloads/store-suite.js';
import { runStress } from './workloads/stress-suite.js';

async function runAll(cfg: BenchConfig, rec: Recorder): Promise<unknown> {
  if (wants(cfg, 'docs')) {
    for (const size of cfg.docsSizes) {
      await rec.section(
        `docs-${sizeLabel(size)} sqlite`,
        () =>
          runDocs(rec, cfg, {
            size,
            backend: 'sqlite',
            datastore: sqlitePath(cfg, `docs-${size}`),
            sideBySide: true,
            withPeers: cfg.peerSizes.includes(size),
          }),
        cfg.sectionTimeoutMs,
      );
    }
    if (cfg.postgresUrl) {
      const pgUrl = cfg.postgresUrl;
      for (const size of cfg.mode === 'full' ? cfg.docsSizes.filter((s) => s <= 1_000_000) : [cfg.docsSizes[0] ?? 10_000]) {
        await rec.section(
          `docs-${sizeLabel(size)} postgres`,
          async () => {
            const db = await createScratchDatabase(pgUrl, sizeLabel(size).toLowerCase());
            try {
              await runDocs(rec, cfg, { size, backend: 'postgres', datastore: db.url, sideBySide: false, withPeers: false });
            } finally {
              await db.drop();
            }
          },
          cfg.sectionTimeoutMs,
        );
      }
    } else {
      rec.problem('Postgres rows skipped: TRELLIS_TEST_POSTGRES_URL is unset');
    }
  }
  if (wants(cfg, 'orgs'))
    for (const size of cfg.orgsSizes)
      await rec.section(`orgs-${sizeLabel(size)} sqlite`, () => runOrgs(rec, cfg, size), cfg.sectionTimeoutMs);
  if (wants(cfg, 'stress')) await rec.section('stress sqlite', () => runStress(rec, cfg), cfg.sectionTimeoutMs);
  if (wants(cfg, 'grpc')) await rec.section('grpc', () => runGrpc(rec, cfg), cfg.sectionTimeoutMs);
  let store: unknown;
  if (wants(cfg, 'store'))
    await rec.section(
      'store',
      async () => {
        store = await runStore(rec, cfg);
      },
      cfg.sectionTimeoutMs,
    );
  return store;
}

async function main(): Promise<number> {
  const cfg = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo();
  mkdirSync(cfg.workDir, { recursive: true });
  mkdirSync(cfg.resultsDir, { recursive: true });
  const rec = new Recorder();
  rec.note(
    `trellis bench (${cfg.mode}) on ${machine.cpuModel} x${machine.cores}, ${machine.os}, node ${machine.node}, load ${machine.loadAverage}`,
  );
  let store: unknown;
  try {
    store = await runAll(cfg, rec);
  } finally {
    rmSync(cfg.workDir, { recursive: true, force: true });
  }
  const rows = withRatios(rec.rows);
  const results: BenchResults & { store?: unknown } = {
    mode: cfg.mode,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine,
    rows,
    chart: rec.chart(),
    targets: evaluateTargets(rows),
    crossChecks: rec.crossChecks,
    problems: rec.problems,
    ...(store !== undefined ? { store } : {}),
  };
  writeFileSync(path.join(cfg.resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    path.join(cfg.resultsDir, 'check-latency.svg'),
    renderCheckLatencyChart(results.chart, `Check latency p50 vs dataset size (${machine.cpuModel}, ${machine.cores} cores)`),
  );

  const disagreements = results.crossChecks.filter((c) => c.disagreements > 0);
  const out = [
    '',
    `Trellis benchmark, ${cfg.mode} mode, ${(results.durationMs / 1000).toFixed(0)} s — ${machine.cpuModel} (${machine.cores} cores, ${machine.totalMemoryMb} MB), ${machine.os}, Node ${machine.node}, load average ${machine.loadAverage} at start`,
    '',
    renderTable(rows),
    '',
    "vs Trellis = this row's throughput / the Trellis row it is compared with (floors and SQL/peers: cache off; Map.get: warm cache; no-op gRPC: Trellis over gRPC at the same concurrency).",
    '',
    'Targets',
    renderTargets(results.targets),
    '',
    `Cross-checks: ${results.crossChecks.length} comparisons, ${results.crossChecks.reduce((n, c) => n + c.questions, 0)} answers, ${disagreements.length} with disagreements`,
    ...disagreements.map((d) => `  DISAGREES ${d.section} / ${d.system}: ${d.disagreements} of ${d.questions}: ${d.examples.join(' | ')}`),
    ...(results.problems.length ? ['', 'Problems', ...results.problems.map((p) => `  ${p}`)] : []),
    '',
    `Wrote ${path.relative(process.cwd(), path.join(cfg.resultsDir, 'latest.json'))} and ${path.relative(process.cwd(), path.join(cfg.resultsDir, 'check-latency.svg'))}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return disagreements.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
