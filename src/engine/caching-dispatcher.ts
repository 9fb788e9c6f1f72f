/**
 * Result caches in the dispatcher chain. A batch is split into hits and misses and only the
 * misses go down the chain, so a fully warm check never awaits. Undecided (depth) results are
 * never stored, and an entry is reused only when the caller has at least the depth it needed.
 *
 * - `CachingDispatcher`: the top of the chain, the shared cross-request `DispatchCache`
 *   (counted in metrics).
 * - `RequestMemoDispatcher`: the per-request memo, which only spares one request from solving
 *   the same sub-problem twice (string keys in the request context; never on the warm path).
 */
import type { CheckDispatch, CheckDispatchResult, Dispatcher, RawTrace } from './dispatch.js';
import { problemPrefix } from './dispatch.js';
import { DispatchCache, type CacheEntry, type ProblemKey } from './dispatch-cache.js';
import type { Outcome } from './outcome.js';

export type { CacheEntry };

/** Where a link of the chain keeps results for one sub-problem. */
interface ResultTable {
  get(id: string): CacheEntry | undefined;
  set(id: string, entry: CacheEntry): void;
}

/** Answers the hits of `req` from `table`, sends the misses to `next` and stores their results. */
function dispatchThrough(
  req: CheckDispatch,
  table: ResultTable,
  next: Dispatcher,
  counted: boolean,
): CheckDispatchResult | Promise<CheckDispatchResult> {
  const ctx = req.ctx;
  const outcomes = new Map<string, Outcome>();
  let traces: Map<string, RawTrace> | undefined;
  let missing: string[] | undefined;
  let depthRequired = 1;
  for (const id of req.resourceIds) {
    const e = table.get(id);
    if (e === undefined || e.depthRequired > req.depthRemaining) {
      (missing ??= []).push(id);
      continue;
    }
    if (e.outcome !== undefined) outcomes.set(id, e.outcome);
    if (e.depthRequired > depthRequired) depthRequired = e.depthRequired;
    if (ctx.trace) (traces ??= new Map()).set(id, cachedTrace(req, id, e.outcome));
  }
  const hits = req.resourceIds.length - (missing?.length ?? 0);
  if (counted) ctx.metrics.cache(ctx.operation, hits, missing?.length ?? 0);
  if (missing === undefined) return ctx.trace ? { outcomes, depthRequired, traces: traces ?? new Map() } : { outcomes, depthRequired };
  const pending = next.dispatchCheck(missing.length === req.resourceIds.length ? req : { ...req, resourceIds: missing });
  const ids = missing;
  const finish = (r: CheckDispatchResult): CheckDispatchResult => {
    for (const id of ids) {
      const o = r.outcomes.get(id);
      if (o?.kind !== 'depth') table.set(id, { outcome: o, depthRequired: r.depthRequired });
    }
    if (hits === 0) return r;
    for (const [id, o] of r.outcomes) outcomes.set(id, o);
    if (r.traces) for (const [id, t] of r.traces) (traces ??= new Map()).set(id, t);
    const merged = Math.max(depthRequired, r.depthRequired);
    return traces ? { outcomes, depthRequired: merged, traces } : { outcomes, depthRequired: merged };
  };
  return pending instanceof Promise ? pending.then(finish) : finish(pending);
}

export class CachingDispatcher implements Dispatcher {
  private readonly cache: DispatchCache;

  constructor(
    private readonly next: Dispatcher,
    maxEntries: number,
  ) {
    this.cache = new DispatchCache(maxEntries);
  }

  dispatchCheck(req: CheckDispatch): CheckDispatchResult | Promise<CheckDispatchResult> {
    req.ctx.metrics.dispatch(req.ctx.operation);
    const key: ProblemKey = { revision: req.ctx.revision, resourceType: req.resourceType, relation: req.relation, subject: req.subject };
    const cache = this.cache;
    return dispatchThrough(req, { get: (id) => cache.get(key, id), set: (id, e) => cache.set(key, id, e) }, this.next, true);
  }

  /**
   * One resource's cached result, usable at `depthRemaining`, without building a dispatch: the
   * warm path of a single check. Counts nothing: on a hit the caller counts the dispatch and
   * the hit, on a miss it dispatches through `dispatchCheck`, which counts them.
   */
  peek(key: ProblemKey, resourceId: string, depthRemaining: number): CacheEntry | undefined {
    const e = this.cache.get(key, resourceId);
    return e !== undefined && e.depthRequired <= depthRemaining ? e : undefined;
  }

  /** Stores a result found outside the chain (a recursive query), usable with `entry.depthRequired` remaining. */
  remember(key: ProblemKey, resourceId: string, entry: CacheEntry): void {
    this.cache.set(key, resourceId, entry);
  }

  clear(): void {
    this.cache.clear();
  }
}

export class RequestMemoDispatcher implements Dispatcher {
  constructor(private readonly next: Dispatcher) {}

  dispatchCheck(req: CheckDispatch): CheckDispatchResult | Promise<CheckDispatchResult> {
    const memo = req.ctx.memo;
    const prefix = problemPrefix(req);
    return dispatchThrough(req, { get: (id) => memo.get(prefix + id), set: (id, e) => memo.set(prefix + id, e) }, this.next, false);
  }
}

function cachedTrace(req: CheckDispatch, id: string, outcome: Outcome | undefined): RawTrace {
  const member = req.ctx.schema.definitions.get(req.resourceType)?.members.get(req.relation);
  return {
    resourceType: req.resourceType,
    resourceId: id,
    relation: req.relation,
    permissionType: member?.kind === 'permission' ? 'permission' : 'relation',
    subject: req.subject,
    outcome,
    relationships: [],
    wasCached: true,
    durationMs: 0,
    children: [],
  };
}
