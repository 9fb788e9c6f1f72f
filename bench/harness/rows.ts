/** Turning measurements into table rows, and the ratios against the reference Trellis rows. */
import type { BenchRow, Unit } from './results.js';
import type { Measurement } from './measure.js';
import type { RowInput } from './recorder.js';

export interface RowContext {
  readonly section: string;
  readonly dataset?: string;
  readonly relationships?: number;
  readonly backend?: NonNullable<BenchRow['backend']>;
}

export function measuredRow(
  ctx: RowContext,
  name: string,
  system: string,
  m: Measurement,
  extra: Partial<Omit<RowInput, 'section' | 'name' | 'system'>> & { readonly unit?: Unit; readonly itemsPerOp?: number } = {},
): RowInput {
  const { itemsPerOp, unit, ...rest } = extra;
  return {
    ...ctx,
    name,
    system,
    latency: m.latency,
    throughput: m.throughput * (itemsPerOp ?? 1),
    operations: m.operations * (itemsPerOp ?? 1),
    unit: unit ?? 'checks/s',
    ...(m.latency.samples < 20 ? { note: `only ${m.latency.samples} samples in the time budget` } : {}),
    ...rest,
  };
}

/** Fills `vsTrellis` from each row's `reference` (a row name in the same section). */
export function withRatios(rows: readonly BenchRow[]): BenchRow[] {
  return rows.map((r) => {
    if (!r.reference) return r;
    const ref = rows.find((x) => x.section === r.section && x.name === r.reference);
    if (!ref || ref.status !== 'ok' || r.status !== 'ok' || ref.throughput <= 0) return r;
    return { ...r, vsTrellis: r.throughput / ref.throughput };
  });
}
