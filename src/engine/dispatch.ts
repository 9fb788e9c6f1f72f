/**
 * The dispatch contract shared by the links of the chain (cache → single-flight → graph walk).
 * A check sub-problem is (resource type, batch of ids, relation or permission, subject); every
 * sub-problem the walk creates goes back to the top of the chain.
 */
import type { Relationship, Revision, SubjectRef } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import type { StoreReader } from '../store/index.js';
import type { Outcome } from './outcome.js';
import type { MetricsRecorder } from './metrics.js';
import type { CacheEntry } from './dispatch-cache.js';
import type { RowMemo } from './row-memo.js';

/** Per-request state that is not part of a sub-problem's identity. */
export interface DispatchContext {
  readonly revision: Revision;
  readonly schema: Schema;
  readonly reader: StoreReader;
  /** Operation the request belongs to, for metrics ('check', 'lookup_resources', ...). */
  readonly operation: string;
  readonly metrics: MetricsRecorder;
  /** Collect explain traces. */
  readonly trace: boolean;
  /**
   * Sub-problems this request already found undecidable, with the depth they had. Undecided
   * results never enter the shared cache; remembering them per request keeps cyclic data from
   * being re-explored exponentially (with less depth the answer cannot be better).
   */
  readonly undecided: Map<string, number>;
  /** Results this request already computed, by sub-problem and resource id. */
  readonly memo: Map<string, CacheEntry>;
  /** Relationship reads this request already made, by read shape and resource id. */
  readonly rows: RowMemo;
}

export interface CheckDispatch {
  readonly ctx: DispatchContext;
  readonly resourceType: string;
  /** Distinct ids. */
  readonly resourceIds: readonly string[];
  readonly relation: string;
  readonly subject: SubjectRef;
  readonly depthRemaining: number;
}

/** One visited sub-problem for one resource, before caveats are evaluated. */
export interface RawTrace {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly relation: string;
  readonly permissionType: 'relation' | 'permission';
  readonly subject: SubjectRef;
  readonly outcome: Outcome | undefined;
  readonly relationships: readonly Relationship[];
  readonly wasCached: boolean;
  readonly durationMs: number;
  readonly children: readonly RawTrace[];
}

export interface CheckDispatchResult {
  /** Only members, caveated members and undecided (depth) resources; absent = not a member. */
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** Depth this result needed; a cached copy is reused only with at least this much remaining. */
  readonly depthRequired: number;
  /** Present when the request asked for traces: one node per requested resource id. */
  readonly traces?: ReadonlyMap<string, RawTrace>;
}

export interface Dispatcher {
  dispatchCheck(req: CheckDispatch): CheckDispatchResult | Promise<CheckDispatchResult>;
}

export function subjectKey(s: SubjectRef): string {
  return s.relation === undefined ? `${s.type}:${s.id}` : `${s.type}:${s.id}#${s.relation}`;
}

/** Canonical identity of a sub-problem without its ids (the cache and single-flight append ids). */
export function problemPrefix(req: CheckDispatch): string {
  return `${req.ctx.revision}\u0000${req.resourceType}\u0000${req.relation}\u0000${subjectKey(req.subject)}\u0000`;
}
