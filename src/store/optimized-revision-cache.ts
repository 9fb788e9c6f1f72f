/**
 * Remembers the optimized revision until its quantization window ends. Within a window
 * the answer cannot change: it is the newest revision committed at or before the window's
 * start, and commit timestamps only grow, so no later commit can land before that start.
 * This saves a query (a network round trip on Postgres) on every default-consistency
 * request, which is what quantization is for.
 */
export class OptimizedRevisionCache {
  private value: number | undefined;
  private validUntil = 0;

  constructor(private readonly localClock: () => number = Date.now) {}

  /**
   * Returns the cached revision, or computes it. `compute` reports the revision, the
   * datastore's "now" and the end of the window in the datastore's clock; the entry
   * expires after the same span on the local clock.
   */
  async get(compute: () => Promise<{ revision: number; nowMs: number; windowEndMs: number }>): Promise<number> {
    const cached = this.peek();
    if (cached !== undefined) return cached;
    const local = this.localClock();
    const r = await compute();
    this.value = r.revision;
    this.validUntil = local + Math.max(0, r.windowEndMs - r.nowMs);
    return r.revision;
  }

  /** The cached revision while its window lasts, else undefined: lets callers skip building `compute`. */
  peek(): number | undefined {
    return this.value !== undefined && this.localClock() < this.validUntil ? this.value : undefined;
  }

  clear(): void {
    this.value = undefined;
  }
}
