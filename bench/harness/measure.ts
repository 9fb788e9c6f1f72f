/**
 * The timing loops. Every loop warms up first, then times single operations with
 * process.hrtime.bigint until it has its iteration count or its time budget runs out, whichever
 * comes first, so quick mode stays quick however slow a system is.
 */
import { summarize, type LatencySummary } from './stats.js';

export interface MeasureOptions {
  readonly warmup: number;
  readonly iterations: number;
  /** Wall-clock budget for the timed part, in ms. */
  readonly budgetMs: number;
  /**
   * Operations per timed sample (default 1). Only for operations far below a microsecond,
   * where the clock read would dominate; the sample is then the batch's mean.
   */
  readonly batch?: number;
  /** Runs between the warm-up and the timed part (e.g. to snapshot a server's CPU time). */
  readonly afterWarmup?: () => Promise<void> | void;
}

export interface Measurement {
  readonly latency: LatencySummary;
  /** Operations per second over the timed part. */
  readonly throughput: number;
  readonly operations: number;
  readonly elapsedMs: number;
}

const now = (): bigint => process.hrtime.bigint();

/**
 * A full collection before each timed loop (`npm run bench` runs node with --expose-gc), so the
 * garbage of earlier work (dataset generation, imports, other rows) is not collected inside it.
 * Each row still pays for the garbage it makes itself.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Times `op(i)` sequentially; `op` may return a promise, which is awaited. */
export async function measure(op: (i: number) => unknown, options: MeasureOptions): Promise<Measurement> {
  const batch = Math.max(1, options.batch ?? 1);
  for (let i = 0; i < options.warmup; i++) await op(i);
  await options.afterWarmup?.();
  collectGarbage();
  const samples = new Float64Array(Math.max(1, options.iterations));
  const deadline = now() + BigInt(Math.round(options.budgetMs * 1e6));
  const start = now();
  let count = 0;
  let i = options.warmup;
  while (count < samples.length) {
    const t0 = now();
    for (let b = 0; b < batch; b++) {
      const r = op(i++);
      if (r instanceof Promise) await r;
    }
    const t1 = now();
    samples[count++] = Number(t1 - t0) / batch;
    if (t1 > deadline) break;
  }
  const elapsedNs = Number(now() - start);
  const operations = count * batch;
  return {
    latency: summarize(samples.subarray(0, count)),
    throughput: operations / (elapsedNs / 1e9),
    operations,
    elapsedMs: elapsedNs / 1e6,
  };
}

/**
 * `concurrency` workers each issue `op` back to back (a closed loop, as a pool of clients would)
 * until together they reach the iteration count or the budget runs out.
 */
export async function measureConcurrent(
  op: (i: number) => Promise<unknown>,
  concurrency: number,
  options: MeasureOptions,
): Promise<Measurement> {
  let w = 0;
  const warmers = Array.from({ length: concurrency }, async () => {
    while (w < options.warmup) await op(w++);
  });
  await Promise.all(warmers);
  await options.afterWarmup?.();
  collectGarbage();
  const samples = new Float64Array(Math.max(1, options.iterations));
  const deadline = now() + BigInt(Math.round(options.budgetMs * 1e6));
  let issued = 0;
  let count = 0;
  const start = now();
  const worker = async (): Promise<void> => {
    while (issued < samples.length && now() < deadline) {
      const i = issued++;
      const t0 = now();
      await op(i);
      samples[count++] = Number(now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedNs = Number(now() - start);
  return {
    latency: summarize(samples.subarray(0, count)),
    throughput: count / (elapsedNs / 1e9),
    operations: count,
    elapsedMs: elapsedNs / 1e6,
  };
}

/** Times one long operation (an import, a full lookup) that reports how many items it handled. */
export async function measureOnce(op: () => Promise<number> | number): Promise<{ items: number; elapsedMs: number; perSecond: number }> {
  const t0 = now();
  const items = await op();
  const elapsedMs = Number(now() - t0) / 1e6;
  return { items, elapsedMs, perSecond: items / (elapsedMs / 1000) };
}
