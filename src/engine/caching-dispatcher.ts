/**
 * The top of the dispatcher chain: a bounded LRU of per-resource results keyed by revision and
 * canonical sub-problem. A batch is split into hits and misses and only the misses go down the
 * chain, so a fully warm check never awaits. Undecided (depth) results are never stored, and an
 * entry is reused only when the caller has at least the depth the entry needed.
 */
import { LRUCache } from 'lru-cache';
import type { CheckDispatch, CheckDispatchResult, Dispatcher, RawTrace } from './dispatch.js';
import { problemPrefix } from './dispatch.js';
import type { Outcome } from './outcome.js';

export interface CacheEntry {
  /** Undefined = not a member. */
  readonly outcome: Outcome | undefined;
  readonly depthRequired: number;
}

interface EntryMap {
  get(key: string): CacheEntry | undefined;
  set(key: string, value: CacheEntry): unknown;
}

export class CachingDispatcher implements Dispatcher {
  private readonly cache: LRUCache<string, CacheEntry> | undefined;

  /**
   * `maxEntries` gives the shared, cross-request LRU (counted in metrics); `'request'` gives the
   * per-request memo, which only spares one request from solving the same sub-problem twice.
   */
  constructor(
    private readonly next: Dispatcher,
    maxEntries: number | 'request',
  ) {
    this.cache = maxEntries === 'request' ? undefined : new LRUCache<string, CacheEntry>({ max: Math.max(1, maxEntries) });
  }

  dispatchCheck(req: CheckDispatch): CheckDispatchResult | Promise<CheckDispatchResult> {
    const ctx = req.ctx;
    const shared = this.cache !== undefined;
    const cache: EntryMap = this.cache ?? ctx.memo;
    if (shared) ctx.metrics.dispatch(ctx.operation);
    const prefix = problemPrefix(req);
    const outcomes = new Map<string, Outcome>();
    let traces: Map<string, RawTrace> | undefined;
    let missing: string[] | undefined;
    let depthRequired = 1;
    for (const id of req.resourceIds) {
      const e = cache.get(prefix + id);
      if (e === undefined || e.depthRequired > req.depthRemaining) {
        (missing ??= []).push(id);
        continue;
      }
      if (e.outcome !== undefined) outcomes.set(id, e.outcome);
      if (e.depthRequired > depthRequired) depthRequired = e.depthRequired;
      if (ctx.trace) (traces ??= new Map()).set(id, cachedTrace(req, id, e.outcome));
    }
    const hits = req.resourceIds.length - (missing?.length ?? 0);
    if (shared) ctx.metrics.cache(ctx.operation, hits, missing?.length ?? 0);
    if (missing === undefined) return ctx.trace ? { outcomes, depthRequired, traces: traces ?? new Map() } : { outcomes, depthRequired };
    const pending = this.next.dispatchCheck(missing.length === req.resourceIds.length ? req : { ...req, resourceIds: missing });
    const ids = missing;
    const finish = (r: CheckDispatchResult): CheckDispatchResult => {
      for (const id of ids) {
        const o = r.outcomes.get(id);
        if (o?.kind !== 'depth') cache.set(prefix + id, { outcome: o, depthRequired: r.depthRequired });
      }
      if (hits === 0) return r;
      for (const [id, o] of r.outcomes) outcomes.set(id, o);
      if (r.traces) for (const [id, t] of r.traces) (traces ??= new Map()).set(id, t);
      const merged = Math.max(depthRequired, r.depthRequired);
      return traces ? { outcomes, depthRequired: merged, traces } : { outcomes, depthRequired: merged };
    };
    return pending instanceof Promise ? pending.then(finish) : finish(pending);
  }

  clear(): void {
    this.cache?.clear();
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
