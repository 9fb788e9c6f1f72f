/**
 * The published targets, evaluated from the rows of this run (reported, never asserted). A target
 * whose rows were not measured (quick mode, no Postgres, a failed section) is N/A with the reason.
 */
import type { BenchRow, TargetResult } from './results.js';
import { formatCount, formatLatency } from './format.js';
import { COLD_ROW, WARM_ROW } from '../workloads/side-by-side.js';
import { grpcRowName } from '../workloads/grpc-suite.js';

const ok = (r: BenchRow | undefined): r is BenchRow => r !== undefined && r.status === 'ok';
const docsRows = (rows: readonly BenchRow[], name: string): BenchRow[] =>
  rows
    .filter((r) => r.section.startsWith('docs-') && r.backend === 'sqlite' && r.name === name && ok(r))
    .sort((a, b) => (a.relationships ?? 0) - (b.relationships ?? 0));
const label = (r: BenchRow): string => r.dataset ?? r.section;
const verdict = (pass: boolean): 'PASS' | 'MISS' => (pass ? 'PASS' : 'MISS');

export function evaluateTargets(rows: readonly BenchRow[]): TargetResult[] {
  const out: TargetResult[] = [];
  const na = (id: string, description: string, goal: string, why: string): void => {
    out.push({ id, description, goal, measured: why, status: 'N/A' });
  };

  const warm = docsRows(rows, WARM_ROW);
  if (warm.length === 0) na('warm-p50', 'warm-cache in-process check p50', '<= 2 µs', 'not measured');
  else {
    const worst = Math.max(...warm.map((r) => r.latency?.p50Us ?? Infinity));
    out.push({
      id: 'warm-p50',
      description: 'warm-cache in-process check p50 (worst size)',
      goal: '<= 2 µs',
      measured: warm.map((r) => `${label(r)} ${formatLatency(r.latency?.p50Us)}`).join(', '),
      status: verdict(worst <= 2),
    });
  }

  const cold = docsRows(rows, COLD_ROW);
  const cold1m = cold.find((r) => (r.relationships ?? 0) >= 1_000_000);
  if (cold1m)
    out.push({
      id: 'cold-p99-1m',
      description: 'cache-off check p99 at 1M relationships (SQLite)',
      goal: '<= 200 µs',
      measured: formatLatency(cold1m.latency?.p99Us),
      status: verdict((cold1m.latency?.p99Us ?? Infinity) <= 200),
    });
  else
    na(
      'cold-p99-1m',
      'cache-off check p99 at 1M relationships (SQLite)',
      '<= 200 µs',
      `1M runs only with --full; largest here: ${cold.map((r) => `${label(r)} ${formatLatency(r.latency?.p99Us)}`).pop() ?? 'none'}`,
    );

  for (const [id, series] of [
    ['growth-cold', cold],
    ['growth-warm', warm],
  ] as const) {
    const first = series[0];
    const last = series[series.length - 1];
    const description = `check p50 growth from 10k to 1M relationships (${id === 'growth-cold' ? 'cache off' : 'warm cache'})`;
    if (!first || !last || first === last) {
      na(id, description, '< 2x', 'needs two sizes');
      continue;
    }
    const growth = (last.latency?.p50Us ?? Infinity) / (first.latency?.p50Us ?? Infinity);
    const measured = `${growth.toFixed(2)}x (${label(first)} ${formatLatency(first.latency?.p50Us)} -> ${label(last)} ${formatLatency(last.latency?.p50Us)})`;
    if ((last.relationships ?? 0) >= 1_000_000) out.push({ id, description, goal: '< 2x', measured, status: verdict(growth < 2) });
    else na(id, description, '< 2x', `1M runs only with --full; ${measured}`);
  }

  for (const peer of ['casbin', 'cedar-wasm']) {
    const peerRows = rows.filter((r) => r.name === peer && r.section.startsWith('docs-'));
    const description = `Trellis (cache off) throughput vs ${peer}, 10k+ relationships`;
    if (peerRows.length === 0) {
      na(`vs-${peer}`, description, '>= 20x', 'not measured');
      continue;
    }
    const parts: string[] = [];
    let pass = true;
    for (const p of peerRows) {
      const t = rows.find((r) => r.section === p.section && r.name === COLD_ROW);
      if (!ok(p) || !ok(t)) {
        parts.push(`${label(p)}: ${p.status !== 'ok' ? `${peer} ${p.status}` : 'Trellis row missing'}`);
        pass = false;
        continue;
      }
      const ratio = t.throughput / p.throughput;
      parts.push(`${label(p)} ${ratio.toFixed(0)}x`);
      if (ratio < 20) pass = false;
    }
    out.push({ id: `vs-${peer}`, description, goal: '>= 20x', measured: parts.join(', '), status: verdict(pass) });
  }

  const grpcParts: string[] = [];
  let grpcPass = true;
  let grpcSeen = false;
  for (const r of rows.filter((x) => x.name.startsWith('trellis over gRPC'))) {
    const noop = rows.find((x) => x.name === grpcRowName('noop', r.concurrency ?? 0));
    if (!ok(noop) || !ok(r)) continue;
    grpcSeen = true;
    const tput = noop.throughput / r.throughput;
    const p50 = (r.latency?.p50Us ?? Infinity) / (noop.latency?.p50Us ?? 1);
    grpcParts.push(`c=${r.concurrency}: throughput ${tput.toFixed(2)}x, p50 ${p50.toFixed(2)}x`);
    if (tput > 1.5 || p50 > 1.5) grpcPass = false;
  }
  if (grpcSeen)
    out.push({
      id: 'grpc-vs-noop',
      description: 'gRPC throughput and p50 vs the no-op grpc-js server (ratio no-op/Trellis)',
      goal: 'within 1.5x',
      measured: grpcParts.join('; '),
      status: verdict(grpcPass),
    });
  else na('grpc-vs-noop', 'gRPC throughput and p50 vs the no-op grpc-js server', 'within 1.5x', 'not measured');

  // Judged on the largest result set (the streaming case); every size is shown.
  const perCall = (r: BenchRow): number => r.operations / Math.max(1, r.latency?.samples ?? 1);
  const lrs = rows.filter((r) => r.unit === 'results/s' && r.name.includes('wide arrow') && ok(r)).sort((a, b) => perCall(a) - perCall(b));
  const largest = lrs[lrs.length - 1];
  if (largest) {
    const size = (r: BenchRow): string => /, (\S+) results/.exec(r.name)?.[1] ?? formatCount(perCall(r));
    out.push({
      id: 'lr-rate',
      description: `lookup resources results/s (judged at ${size(largest)} results)`,
      goal: '>= 200k/s',
      measured: lrs.map((r) => `${size(r)}: ${formatCount(r.throughput)}/s`).join(', '),
      status: verdict(largest.throughput >= 200_000),
    });
  } else na('lr-rate', 'lookup resources results/s', '>= 200k/s', 'not measured');

  const imports = rows
    .filter((r) => r.unit === 'rels/s' && r.backend === 'sqlite' && ok(r))
    .sort((a, b) => (b.relationships ?? 0) - (a.relationships ?? 0));
  const imp = imports.find((r) => r.section.startsWith('docs-')) ?? imports[0];
  if (imp)
    out.push({
      id: 'import-rate',
      description: `bulk import into SQLite (${label(imp)}, through Trellis.importRelationships)`,
      goal: '>= 100k rels/s',
      measured: `${formatCount(imp.throughput)} rels/s`,
      status: verdict(imp.throughput >= 100_000),
    });
  else na('import-rate', 'bulk import into SQLite', '>= 100k rels/s', 'not measured');
  return out;
}
