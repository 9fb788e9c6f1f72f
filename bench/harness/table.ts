/** The stdout table: one block per section, one line per measured row. */
import type { BenchRow, TargetResult } from './results.js';
import { formatCount, formatLatency, formatPercent, formatRatio } from './format.js';

const HEADER = ['name', 'p50', 'p95', 'p99', 'max', 'throughput', 'hit%', 'RSS MB', 'vs Trellis', 'notes'];

function cells(r: BenchRow): string[] {
  const l = r.latency;
  const notes = [
    r.status === 'ok' ? '' : r.status.toUpperCase(),
    r.serverCpuUsPerOp !== undefined ? `server CPU ${formatLatency(r.serverCpuUsPerOp)}/op` : '',
    r.note ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  return [
    r.name,
    formatLatency(l?.p50Us),
    formatLatency(l?.p95Us),
    formatLatency(l?.p99Us),
    formatLatency(l?.maxUs),
    `${formatCount(r.throughput)} ${r.unit}`,
    formatPercent(r.cacheHitRatio),
    String(r.peakRssMb),
    formatRatio(r.vsTrellis),
    notes,
  ];
}

function layout(rows: readonly string[][]): string[] {
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Renders all rows, grouped by section in first-seen order. */
export function renderTable(rows: readonly BenchRow[]): string {
  const sections = [...new Set(rows.map((r) => r.section))];
  const all = [HEADER, ...rows.map(cells)];
  const lines = layout(all);
  const header = lines[0] ?? '';
  const out: string[] = [header, '-'.repeat(header.length)];
  for (const section of sections) {
    out.push(`[${section}]`);
    rows.forEach((r, i) => {
      if (r.section === section) out.push(`  ${lines[i + 1] ?? ''}`);
    });
  }
  return out.join('\n');
}

export function renderTargets(targets: readonly TargetResult[]): string {
  const rows = targets.map((t) => [t.status, t.description, `goal ${t.goal}`, `measured ${t.measured}`]);
  const widths = [4, ...[1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))];
  return rows.map((r) => r.map((v, c) => (c < 3 ? v.padEnd(widths[c] ?? 0) : v)).join('  ')).join('\n');
}
