/** Human-readable numbers for the stdout table. */

export function formatLatency(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '-';
  if (us < 10) return `${us.toFixed(2)}µs`;
  if (us < 1000) return `${us.toFixed(0)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1e6).toFixed(2)}s`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  if (n >= 10) return n.toFixed(0);
  return n.toFixed(2);
}

export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '';
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 0.1) return `${r.toFixed(2)}x`;
  return `${r.toPrecision(2)}x`;
}

export function formatPercent(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '' : `${(r * 100).toFixed(1)}%`;
}
