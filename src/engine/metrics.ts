/** Dispatch and cache counters per operation, exposed through `Engine.metrics()`. */
import type { EngineMetrics } from './types.js';

interface Counters {
  dispatches: number;
  cacheHits: number;
  cacheMisses: number;
}

export class MetricsRecorder {
  private readonly byOp = new Map<string, Counters>();

  private counters(op: string): Counters {
    let c = this.byOp.get(op);
    if (!c) {
      c = { dispatches: 0, cacheHits: 0, cacheMisses: 0 };
      this.byOp.set(op, c);
    }
    return c;
  }

  dispatch(op: string): void {
    this.counters(op).dispatches++;
  }

  cache(op: string, hits: number, misses: number): void {
    const c = this.counters(op);
    c.cacheHits += hits;
    c.cacheMisses += misses;
  }

  snapshot(): EngineMetrics {
    let dispatches = 0;
    let cacheHits = 0;
    let cacheMisses = 0;
    const byOperation: Record<string, { dispatches: number; cacheHits: number; cacheMisses: number }> = {};
    for (const [op, c] of this.byOp) {
      dispatches += c.dispatches;
      cacheHits += c.cacheHits;
      cacheMisses += c.cacheMisses;
      byOperation[op] = { ...c };
    }
    return { dispatches, cacheHits, cacheMisses, byOperation };
  }
}
