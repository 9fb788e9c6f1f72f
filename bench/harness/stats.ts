/**
 * Latency percentiles from raw samples (nearest-rank, no interpolation: every reported figure
 * is a latency that was actually observed).
 */

export interface LatencySummary {
  readonly samples: number;
  readonly p50Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly meanUs: number;
}

/** Nearest-rank percentile of an ascending array; q in (0, 1]. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Summarises samples given in nanoseconds; reports microseconds. */
export function summarize(samplesNs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samplesNs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const us = (ns: number): number => ns / 1000;
  return {
    samples: sorted.length,
    p50Us: us(percentile(sorted, 0.5)),
    p95Us: us(percentile(sorted, 0.95)),
    p99Us: us(percentile(sorted, 0.99)),
    maxUs: us(sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN),
    meanUs: sorted.length ? us(sum / sorted.length) : Number.NaN,
  };
}
