/**
 * The middle of the dispatcher chain: identical sub-problems in flight at the same time share
 * one computation. A waiter joins only a computation started with no more depth than it has,
 * so sharing can never hide a depth error. Traced requests run on their own (their timings
 * and children belong to them).
 */
import type { CheckDispatch, CheckDispatchResult, Dispatcher } from './dispatch.js';
import { problemPrefix } from './dispatch.js';

interface InFlight {
  readonly depth: number;
  readonly promise: Promise<CheckDispatchResult>;
}

export class SingleFlightDispatcher implements Dispatcher {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly next: Dispatcher) {}

  dispatchCheck(req: CheckDispatch): CheckDispatchResult | Promise<CheckDispatchResult> {
    if (req.ctx.trace) return this.next.dispatchCheck(req);
    const key = problemPrefix(req) + req.resourceIds.join('\u0001');
    const existing = this.inFlight.get(key);
    if (existing && existing.depth <= req.depthRemaining) return existing.promise;
    const result = this.next.dispatchCheck(req);
    if (!(result instanceof Promise)) return result;
    const promise = result.finally(() => {
      if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
    });
    if (!existing) this.inFlight.set(key, { depth: req.depthRemaining, promise });
    return promise;
  }
}
