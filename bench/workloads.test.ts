import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, parseSize, type BenchConfig } from './config.js';
import { generateDocs } from './datasets/docs.js';
import { DocsGraph } from './datasets/docs-graph.js';
import { measureChecks } from './harness/check-loop.js';
import { Recorder } from './harness/recorder.js';
import type { BenchRow } from './harness/results.js';
import type { LatencySummary } from './harness/stats.js';
import { withRatios } from './harness/rows.js';
import { renderCheckLatencyChart } from './harness/svg-chart.js';
import { renderTable } from './harness/table.js';
import { evaluateTargets } from './harness/targets.js';
import { startNoopServer } from './grpc/noop-server.js';
import { connect, runCheckLoad } from './grpc/client-load.js';
import { loadDataset, openTrellis } from './systems/trellis-system.js';
import type { CheckSystem } from './systems/check-system.js';
import { runDocs, sqlitePath } from './workloads/docs-suite.js';
import { runOrgs } from './workloads/orgs-suite.js';
import { runStress } from './workloads/stress-suite.js';
import { COLD_ROW, WALK_ROW, WARM_ROW } from './workloads/side-by-side.js';
import { grpcRowName } from './workloads/grpc-suite.js';

let dir = '';
let cfg: BenchConfig;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-workloads-'));
  cfg = {
    ...parseArgs([], {}),
    budgetMs: 20,
    warmup: 2,
    maxIterations: 40,
    questions: 40,
    sectionTimeoutMs: 60_000,
    stress: { chainDepths: [1, 3], bigGroupMembers: 200, wideFolders: [50] },
    workDir: dir,
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const silent = (): Recorder => new Recorder(() => {});
const names = (rec: Recorder, section: string): string[] => rec.rows.filter((r) => r.section === section).map((r) => r.name);

describe('workloads on tiny datasets', () => {
  it('docs: every Trellis workload, floor, baseline and peer runs, and all answers agree', async () => {
    const rec = silent();
    await runDocs(rec, cfg, { size: 1500, backend: 'sqlite', datastore: sqlitePath(cfg, 'docs-test'), sideBySide: true, withPeers: true });
    expect(rec.problems).toEqual([]);
    expect(names(rec, 'docs-1500 sqlite')).toEqual([
      'trellis bulk import',
      WARM_ROW,
      COLD_ROW,
      WALK_ROW,
      'trellis check, ~90% repeated questions',
      'trellis bulk check x100, cache off',
      'trellis lookup resources (document view)',
      'trellis lookup subjects (view, user)',
      'floor: Map.get',
      'floor: SQLite point query',
      'recursive SQL (sqlite)',
      'casbin',
      'cedar-wasm',
      'trellis write (1 touch per transaction)',
    ]);
    expect(rec.rows.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(rec.crossChecks.map((c) => [c.system, c.disagreements])).toEqual([
      ['trellis vs docs oracle', 0],
      ['trellis (cache off)', 0],
      ['trellis (cache off, walk only)', 0],
      ['trellis mixed vs docs oracle', 0],
      ['recursive SQL (sqlite)', 0],
      ['casbin', 0],
      ['cedar-wasm', 0],
    ]);
    const imported = rec.rows[0];
    expect(imported?.operations).toBe(1500);
    const ratios = withRatios(rec.rows);
    expect(ratios.find((r) => r.name === 'casbin')?.reference).toBe(COLD_ROW);
    expect(ratios.find((r) => r.name === 'casbin')?.vsTrellis).toBeGreaterThan(0);
    expect(ratios.find((r) => r.name === WALK_ROW)?.reference).toBe(COLD_ROW);
  });

  it('stress: chains, the big group (with its probes) and the wide folder', async () => {
    const rec = silent();
    await runStress(rec, cfg);
    expect(rec.problems).toEqual([]);
    expect(names(rec, 'stress sqlite')).toEqual([
      'trellis bulk import',
      'check through 1 nested groups, cache off',
      'check through 1 nested groups, warm cache',
      'check through 3 nested groups, cache off',
      'check through 3 nested groups, warm cache',
      'check via a 200-member group, cache off',
      'trellis lookup subjects of a 200-member group',
      'trellis lookup resources, 50 results (wide arrow)',
      'check a child of a 50-child folder, cache off',
    ]);
    expect(rec.rows.filter((r) => r.status !== 'ok').map((r) => r.name)).toEqual([]);
    expect(rec.crossChecks.every((c) => c.disagreements === 0)).toBe(true);
  });

  it('orgs: import, checks and lookup resources', async () => {
    const rec = silent();
    await runOrgs(rec, cfg, 3000);
    expect(rec.problems).toEqual([]);
    expect(names(rec, 'orgs-3k sqlite')).toEqual([
      'trellis bulk import',
      'trellis check, warm cache',
      'trellis check, cache off',
      'trellis lookup resources (repository pull)',
    ]);
    expect(rec.rows.every((r) => r.status === 'ok')).toBe(true);
  });
});

describe('cross-checking inside the timed loop', () => {
  const dataset = generateDocs({ relationships: 800, seed: 3, questions: 30 });
  const graph = new DocsGraph(dataset.relationships);
  const reference = dataset.questions.map((q) => graph.check(q));

  it('catches a system that is right at first and wrong later (a stale cache)', async () => {
    let calls = 0;
    const stale: CheckSystem = { name: 'stale', check: (q) => (calls++ < 30 ? graph.check(q) : !graph.check(q)), close: async () => {} };
    const run = await measureChecks('t', stale, dataset.questions, reference, { warmup: 0, iterations: 60, budgetMs: 10_000 });
    expect(run.measurement.operations).toBe(60);
    expect(run.report?.questions).toBe(30);
    expect(run.report?.disagreements).toBe(30);
  });

  it('passes a system that always agrees', async () => {
    const good: CheckSystem = { name: 'good', check: (q) => Promise.resolve(graph.check(q)), close: async () => {} };
    const run = await measureChecks('t', good, dataset.questions, reference, { warmup: 5, iterations: 45, budgetMs: 10_000 });
    expect(run.report).toEqual({ section: 't', system: 'good', questions: 30, disagreements: 0, examples: [] });
  });
});

describe('gRPC load', () => {
  const dataset = generateDocs({ relationships: 800, seed: 4, questions: 30 });
  const graph = new DocsGraph(dataset.relationships);
  const reference = dataset.questions.map((q) => graph.check(q));
  const opts = { warmup: 2, iterations: 40, budgetMs: 5000 };

  it('the no-op server answers authzed-node at every concurrency', async () => {
    const server = await startNoopServer();
    const client = connect(server.port);
    try {
      for (const c of [1, 8]) {
        const load = await runCheckLoad(client, dataset.questions, undefined, c, opts);
        expect(load.measurement.operations).toBe(40);
        expect(load.wrong).toBe(0);
      }
      // The no-op says yes to everything, so checking it against real answers must fail.
      expect((await runCheckLoad(client, dataset.questions, reference, 4, opts)).wrong).toBeGreaterThan(0);
    } finally {
      client.close();
      await server.close();
    }
  });

  it('Trellis over gRPC gives the oracle answers, and a wrong reference is caught', async () => {
    const grpcApi = await import('../src/api/grpc/index.js');
    const trellis = await openTrellis({ datastore: 'memory', cache: true });
    await loadDataset(trellis, dataset);
    const server = await grpcApi.startServer({ address: '127.0.0.1:0', provider: grpcApi.singleTrellis(trellis), shutdownGraceMs: 100 });
    const client = connect(server.port);
    try {
      expect((await runCheckLoad(client, dataset.questions, reference, 8, opts)).wrong).toBe(0);
      const flipped = reference.map((r, i) => (i === 0 ? !r : r));
      expect((await runCheckLoad(client, dataset.questions, flipped, 1, { warmup: 0, iterations: 30, budgetMs: 5000 })).wrong).toBe(1);
    } finally {
      client.close();
      await server.close();
      await trellis.close();
    }
  });
});

function row(partial: Partial<BenchRow> & Pick<BenchRow, 'section' | 'name'>): BenchRow {
  return {
    system: 'trellis',
    throughput: 1000,
    unit: 'checks/s',
    operations: 100,
    peakRssMb: 1,
    status: 'ok',
    backend: 'sqlite',
    ...partial,
  };
}
const lat = (p50Us: number, p99Us = p50Us): LatencySummary => ({ samples: 100, p50Us, p95Us: p99Us, p99Us, maxUs: p99Us, meanUs: p50Us });

describe('targets', () => {
  it('PASS, MISS and N/A from the rows', () => {
    const rows: BenchRow[] = [
      row({ section: 'docs-10k sqlite', name: WARM_ROW, dataset: 'docs-10k', relationships: 10_000, latency: lat(1.5) }),
      row({ section: 'docs-1M sqlite', name: WARM_ROW, dataset: 'docs-1M', relationships: 1_000_000, latency: lat(1.9) }),
      row({
        section: 'docs-10k sqlite',
        name: COLD_ROW,
        dataset: 'docs-10k',
        relationships: 10_000,
        latency: lat(50, 90),
        throughput: 20_000,
      }),
      row({ section: 'docs-1M sqlite', name: COLD_ROW, dataset: 'docs-1M', relationships: 1_000_000, latency: lat(120, 250) }),
      row({ section: 'docs-10k sqlite', name: 'casbin', dataset: 'docs-10k', throughput: 100 }),
      row({ section: 'docs-10k sqlite', name: 'cedar-wasm', dataset: 'docs-10k', throughput: 5, status: 'disagrees' }),
      row({ section: 'grpc', name: grpcRowName('trellis', 8), concurrency: 8, throughput: 1000, latency: lat(10) }),
      row({ section: 'grpc', name: grpcRowName('noop', 8), concurrency: 8, throughput: 1400, latency: lat(8) }),
      row({
        section: 'stress sqlite',
        name: 'trellis lookup resources, 1k results (wide arrow)',
        unit: 'results/s',
        throughput: 500_000,
        operations: 100_000,
        latency: lat(2000),
      }),
      row({
        section: 'stress sqlite',
        name: 'trellis lookup resources, 100k results (wide arrow)',
        unit: 'results/s',
        throughput: 150_000,
        operations: 100_000,
        latency: { ...lat(700_000), samples: 1 },
      }),
      row({
        section: 'docs-1M sqlite',
        name: 'trellis bulk import',
        dataset: 'docs-1M',
        relationships: 1_000_000,
        unit: 'rels/s',
        throughput: 90_000,
      }),
    ];
    expect(evaluateTargets(rows).map((t) => [t.id, t.status, t.measured])).toEqual([
      ['warm-p50', 'PASS', 'docs-10k 1.50µs, docs-1M 1.90µs'],
      ['cold-p99-1m', 'MISS', '250µs'],
      ['growth-cold', 'MISS', '2.40x (docs-10k 50µs -> docs-1M 120µs)'],
      ['growth-warm', 'PASS', '1.27x (docs-10k 1.50µs -> docs-1M 1.90µs)'],
      ['vs-casbin', 'PASS', 'docs-10k 200x'],
      ['vs-cedar-wasm', 'MISS', 'docs-10k: cedar-wasm disagrees'],
      ['grpc-vs-noop', 'PASS', 'c=8: throughput 1.40x, p50 1.25x'],
      ['lr-rate', 'MISS', '1k: 500k/s, 100k: 150k/s'],
      ['import-rate', 'MISS', '90k rels/s'],
    ]);
  });

  it('says N/A with the reason when nothing was measured', () => {
    expect(evaluateTargets([]).every((t) => t.status === 'N/A')).toBe(true);
  });
});

describe('output', () => {
  it('the chart plots every series with escaped names, the table lists every section', () => {
    const svg = renderCheckLatencyChart(
      [
        {
          name: 'trellis <warm>',
          points: [
            { relationships: 10_000, p50Us: 1.5 },
            { relationships: 100_000, p50Us: 2 },
          ],
        },
        { name: 'casbin', points: [{ relationships: 10_000, p50Us: 90_000 }] },
      ],
      'Check & latency',
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('trellis &lt;warm&gt;');
    expect(svg).toContain('Check &amp; latency');
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    const table = renderTable([
      row({ section: 'a', name: 'x', latency: lat(3) }),
      row({ section: 'b', name: 'y', vsTrellis: 0.5, reference: 'x' }),
    ]);
    expect(table.split('\n').filter((l) => l.startsWith('['))).toEqual(['[a]', '[b]']);
    expect(table).toContain('0.50x');
  });

  it('parses sizes and modes', () => {
    expect(['10k', '1M', '2500', '1.5k'].map(parseSize)).toEqual([10_000, 1_000_000, 2500, 1500]);
    expect(() => parseSize('ten')).toThrow(new RangeError('not a size: ten'));
    expect(parseArgs(['--full'], {}).docsSizes).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseArgs(['--sizes', '10k,50k'], {}).docsSizes).toEqual([10_000, 50_000]);
    expect(parseArgs(['--out=/tmp/x'], {}).resultsDir).toBe('/tmp/x');
    expect(parseArgs([], { TRELLIS_TEST_POSTGRES_URL: 'postgres://h/db' }).postgresUrl).toBe('postgres://h/db');
    expect(() => parseArgs(['--only', 'nope'], {})).toThrow(new RangeError('unknown section nope; known: docs, orgs, stress, grpc, store'));
  });
});
