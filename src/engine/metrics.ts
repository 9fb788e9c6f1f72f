/** Dispatch and cache counters per operation, exposed through `Engine.metrics()`. */
import type { EngineMetrics, OperationMetrics } from './types.js';

interface Counters {
  dispatches: number;
  cacheHits: number;
  cacheMisses: number;
  recursiveAnswers: number;
  recursiveWalks: number;
}

export class MetricsRecorder {
  private readonly byOp = new Map<string, Counters>();

  private counters(op: string): Counters {
    let c = this.byOp.get(op);
    if (!c) {
      c = { dispatches: 0, cacheHits: 0, cacheMisses: 0, recursiveAnswers: 0, recursiveWalks: 0 };
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

  /** A check with a recursive-query plan: answered by the queries, or left to the walk. */
  recursive(op: string, answered: boolean): void {
    const c = this.counters(op);
    if (answered) c.recursiveAnswers++;
    else c.recursiveWalks++;
  }

  snapshot(): EngineMetrics {
    const total = { dispatches: 0, cacheHits: 0, cacheMisses: 0, recursiveAnswers: 0, recursiveWalks: 0 };
    const byOperation: Record<string, OperationMetrics> = {};
    for (const [op, c] of this.byOp) {
      total.dispatches += c.dispatches;
      total.cacheHits += c.cacheHits;
      total.cacheMisses += c.cacheMisses;
      total.recursiveAnswers += c.recursiveAnswers;
      total.recursiveWalks += c.recursiveWalks;
      byOperation[op] = { ...c };
    }
    return { ...total, byOperation };
  }
}
