/**
 * `createEngine`: wires the dispatcher chain (cache → single-flight → graph walk), consistency
 * and schema resolution, and exposes check, bulk check, expand and the lookups.
 */
import { LRUCache } from 'lru-cache';
import { MaxDepthExceededError, encodeZedToken, type JsonObject, type ObjectRef, type Revision, type SubjectRef } from '../core/index.js';
import { compileSchemaOrThrow, type Schema } from '../schema/index.js';
import type { Store } from '../store/index.js';
import { CachingDispatcher, RequestMemoDispatcher } from './caching-dispatcher.js';
import { resolveOutcome } from './caveat-eval.js';
import { CheckWalk } from './check-walk.js';
import { RevisionResolver } from './consistency.js';
import type { CheckDispatchResult, DispatchContext, Dispatcher, RawTrace } from './dispatch.js';
import type { ProblemKey } from './dispatch-cache.js';
import { expand, expandSubjects, type ExpandedSubject } from './expand.js';
import { lookupResources, type Candidates } from './lookup-resources.js';
import { lookupSubjects } from './lookup-subjects.js';
import { MetricsRecorder } from './metrics.js';
import { MEMBER, type Outcome } from './outcome.js';
import { ReachPlanner, answerPlan, type PlannedReach } from './reach-plan.js';
import { normalizeSubject, requireMember, validateSubject } from './request-validation.js';
import { RequestContext } from './request-context.js';
import { SchemaCache } from './schema-cache.js';
import { SingleFlightDispatcher } from './single-flight-dispatcher.js';
import { buildTrace } from './trace.js';
import type {
  BulkCheckItemResult,
  BulkCheckRequest,
  BulkCheckResult,
  CheckRequest,
  CheckResult,
  Consistency,
  EngineMetrics,
  ExpandRequest,
  ExpandResult,
  LookupResourcesRequest,
  LookupResourcesResult,
  LookupSubjectsRequest,
  LookupSubjectsResult,
} from './types.js';

export interface EngineOptions {
  readonly store: Store;
  /** Dispatch cache; `false` disables it. Default 100 000 entries. */
  readonly cache?: false | { readonly maxEntries?: number };
  /** Dispatch depth limit (default 50). */
  readonly maxDepth?: number;
  /** Resource ids per store query and per nested dispatch (default 100). */
  readonly chunkSize?: number;
  /**
   * Read every relation an object's definition needs in one batched statement
   * (`StoreReader.queryBatch`) instead of one query per relation when the walk needs it.
   * Default: on for Postgres, where each statement is a network round trip (cold check p50
   * about 4.9 -> 2.6-3.7 ms); off for SQLite, where a statement costs microseconds in-process
   * and reading relations the walk would have skipped cost more than the statements saved.
   */
  readonly batchObjectReads?: boolean;
  /**
   * Answer a check the cache cannot with one recursive query per union-only part of the
   * permission (see reach-plan.ts), on stores that support it (SQLite and Postgres); the walk
   * answers the rest. Default: on.
   */
  readonly recursiveQueries?: boolean;
  /** Never read older than this process's own last write (see `noteWrite`) under minimize_latency. */
  readonly readYourWrites?: boolean;
  /** Compiles stored schema text; defaults to the schema module's compiler. */
  readonly compileSchema?: (text: string) => Schema;
}

export interface Engine {
  resolveRevision(consistency?: Consistency): Promise<Revision>;
  /** Tells the engine the caller wrote at `revision` (read-your-writes). */
  noteWrite(revision: Revision): void;
  schemaAt(revision: Revision): Promise<Schema>;
  tokenFor(revision: Revision, schemaHash?: string): string;
  check(req: CheckRequest): Promise<CheckResult>;
  checkBulk(req: BulkCheckRequest): Promise<BulkCheckResult>;
  expand(req: ExpandRequest): Promise<ExpandResult>;
  /** Recursive expansion as validation files need it: each subject with the direct relations it came through. */
  expandSubjects(resource: ObjectRef, relation: string, revision: Revision): Promise<ExpandedSubject[]>;
  lookupResources(req: LookupResourcesRequest): AsyncIterable<LookupResourcesResult>;
  lookupSubjects(req: LookupSubjectsRequest): AsyncIterable<LookupSubjectsResult>;
  metrics(): EngineMetrics;
  /** Drops every cached dispatch result (tests, benchmarks). */
  clearCache(): void;
}

/** What the operation modules share. */
export interface EngineCore {
  readonly store: Store;
  readonly top: Dispatcher;
  readonly maxDepth: number;
  readonly chunkSize: number;
  readonly metrics: MetricsRecorder;
  /** Lookup-resources candidates by revision and call, so paging through cursors walks once. */
  readonly candidates: LRUCache<string, Candidates>;
  revisionFor(consistency: Consistency | undefined): Promise<Revision>;
  schemaFor(revision: Revision): Promise<{ schema: Schema; hash: string }>;
  token(revision: Revision, schemaHash?: string): string;
  context(revision: Revision, schema: Schema, operation: string, trace?: boolean): DispatchContext;
  /** Checks many resources of one type for one subject, chunked; outcomes by id. */
  checkMany(
    ctx: DispatchContext,
    resourceType: string,
    ids: readonly string[],
    relation: string,
    subject: SubjectRef,
  ): Promise<CheckDispatchResult>;
}

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const maxDepth = options.maxDepth ?? 50;
  const chunkSize = Math.max(1, options.chunkSize ?? 100);
  const metrics = new MetricsRecorder();
  const resolver = new RevisionResolver(store, options.readYourWrites ?? false);
  const schemas = new SchemaCache(store, options.compileSchema ?? compileSchemaOrThrow);

  // Most responses in a quantization window carry the same token: encode it once.
  let lastToken = { revision: 0, hash: '', token: '' };
  const tokenFor = (revision: Revision, hash?: string): string => {
    const h = hash ?? '';
    if (lastToken.revision !== revision || lastToken.hash !== h)
      lastToken = { revision, hash: h, token: encodeZedToken(revision, store.uniqueId, hash) };
    return lastToken.token;
  };

  // cache (shared dispatch cache) → request memo → single-flight → graph walk; the walk re-enters at `top`.
  // eslint-disable-next-line prefer-const -- assigned below, once the walk that re-enters through it exists
  let top: Dispatcher;
  const walk = new CheckWalk(() => top, chunkSize, options.batchObjectReads ?? store.kind === 'postgres');
  const singleFlight = new SingleFlightDispatcher(walk);
  const requestMemo = new RequestMemoDispatcher(singleFlight);
  const caching = options.cache === false ? undefined : new CachingDispatcher(requestMemo, options.cache?.maxEntries ?? 100_000);
  top = caching ?? new CountingDispatcher(requestMemo);
  const planner = options.recursiveQueries === false ? undefined : new ReachPlanner(maxDepth);

  const core: EngineCore = {
    store,
    top,
    maxDepth,
    chunkSize,
    metrics,
    candidates: new LRUCache<string, Candidates>({ max: 256 }),
    revisionFor: (c) => resolver.resolve(c),
    schemaFor: async (rev) => schemas.peek(rev) ?? schemas.at(rev),
    token: tokenFor,
    context: (revision, schema, operation, trace = false) => new RequestContext(store, revision, schema, operation, metrics, trace),
    async checkMany(ctx, resourceType, ids, relation, subject) {
      if (ids.length <= chunkSize)
        return top.dispatchCheck({ ctx, resourceType, resourceIds: ids, relation, subject, depthRemaining: maxDepth });
      const parts: Promise<CheckDispatchResult>[] = [];
      for (let i = 0; i < ids.length; i += chunkSize) {
        parts.push(
          Promise.resolve(
            top.dispatchCheck({ ctx, resourceType, resourceIds: ids.slice(i, i + chunkSize), relation, subject, depthRemaining: maxDepth }),
          ),
        );
      }
      const results = await Promise.all(parts);
      const outcomes = new Map<string, Outcome>();
      const traces = ctx.trace ? new Map<string, RawTrace>() : undefined;
      let depthRequired = 0;
      for (const r of results) {
        for (const [id, o] of r.outcomes) outcomes.set(id, o);
        if (traces && r.traces) for (const [id, t] of r.traces) traces.set(id, t);
        depthRequired = Math.max(depthRequired, r.depthRequired);
      }
      return traces ? { outcomes, depthRequired, traces } : { outcomes, depthRequired };
    },
  };

  /** Not `async`: a check answered from the cache (the common case) never awaits. */
  function check(req: CheckRequest): Promise<CheckResult> {
    const revision = resolver.peek(req.consistency);
    const at = revision === undefined ? undefined : schemas.peek(revision);
    if (revision === undefined || at === undefined) return checkResolving(req);
    try {
      const r = checkAt(req, revision, at.schema, at.hash);
      return r instanceof Promise ? r : Promise.resolve(r);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  async function checkResolving(req: CheckRequest): Promise<CheckResult> {
    const revision = await resolver.resolve(req.consistency);
    const { schema, hash } = schemas.peek(revision) ?? (await schemas.at(revision));
    return checkAt(req, revision, schema, hash);
  }

  function checkAt(req: CheckRequest, revision: Revision, schema: Schema, hash: string): CheckResult | Promise<CheckResult> {
    requireMember(schema, req.resource.type, req.permission);
    validateSubject(schema, req.subject, { field: 'subject', what: 'check' });
    const subject = normalizeSubject(req.subject);
    const trace = req.trace === true;
    const resourceType = req.resource.type;
    const id = req.resource.id;
    if (caching !== undefined && !trace) {
      const hit = caching.peek({ revision, resourceType, relation: req.permission, subject }, id, maxDepth);
      if (hit !== undefined) {
        metrics.dispatch('check');
        metrics.cache('check', 1, 0);
        return checkResult(schema, revision, hash, hit.outcome, req.context);
      }
    }
    const ctx = new RequestContext(store, revision, schema, 'check', metrics, trace);
    const plan = trace ? undefined : reachPlan(ctx, resourceType, req.permission, subject);
    if (plan !== undefined)
      return answerPlan(plan, ctx.reader, resourceType, id, subject).then((answer) => {
        metrics.recursive('check', answer !== undefined);
        if (answer === undefined) return checkWalked(req, ctx, subject, hash);
        const outcome = answer === 'member' ? MEMBER : undefined;
        reachAnswered('check', { revision, resourceType, relation: req.permission, subject }, id, outcome);
        return checkResult(schema, revision, hash, outcome, req.context);
      });
    return checkWalked(req, ctx, subject, hash);
  }

  /** Counts a result of recursive queries as the dispatch it replaced, and caches it. */
  function reachAnswered(operation: string, key: ProblemKey, id: string, outcome: Outcome | undefined): void {
    metrics.dispatch(operation);
    if (caching === undefined) return;
    metrics.cache(operation, 0, 1);
    // Reusable only by a caller with the full depth, which is what the queries assumed.
    caching.remember(key, id, { outcome, depthRequired: maxDepth });
  }

  /** The plan for a check when the store can answer recursive queries and the subject is plain. */
  function reachPlan(ctx: DispatchContext, resourceType: string, permission: string, subject: SubjectRef): PlannedReach | undefined {
    if (planner === undefined || subject.relation !== undefined || ctx.reader.reach === undefined) return undefined;
    return planner.plan(ctx.schema, resourceType, permission, subject.type);
  }

  function checkWalked(req: CheckRequest, ctx: DispatchContext, subject: SubjectRef, hash: string): CheckResult | Promise<CheckResult> {
    const { revision, schema } = ctx;
    const id = req.resource.id;
    const pending = top.dispatchCheck({
      ctx,
      resourceType: req.resource.type,
      resourceIds: [id],
      relation: req.permission,
      subject,
      depthRemaining: maxDepth,
    });
    const finish = (r: CheckDispatchResult): CheckResult => {
      const result = checkResult(schema, revision, hash, r.outcomes.get(id), req.context);
      const raw = r.traces?.get(id);
      return raw ? { ...result, trace: buildTrace(schema, raw, req.context) } : result;
    };
    return pending instanceof Promise ? pending.then(finish) : finish(pending);
  }

  function checkResult(
    schema: Schema,
    revision: Revision,
    hash: string,
    outcome: Outcome | undefined,
    context: JsonObject | undefined,
  ): CheckResult {
    if (outcome?.kind === 'depth') throw new MaxDepthExceededError(maxDepth);
    const resolved = resolveOutcome(schema, outcome, context);
    const checkedAt = tokenFor(revision, hash);
    return resolved.missingContext === undefined
      ? { permissionship: resolved.permissionship, checkedAt, revision }
      : { permissionship: resolved.permissionship, missingContext: resolved.missingContext, checkedAt, revision };
  }

  async function checkBulk(req: BulkCheckRequest): Promise<BulkCheckResult> {
    const revision = await resolver.resolve(req.consistency);
    const { schema, hash } = await core.schemaFor(revision);
    const trace = req.trace === true;
    const ctx = core.context(revision, schema, 'check_bulk', trace);
    const results: (BulkCheckItemResult | undefined)[] = new Array(req.items.length);
    // Items asking the same (type, permission, subject) share one batched dispatch.
    const groups = new Map<string, { type: string; permission: string; subject: SubjectRef; ids: Set<string>; items: number[] }>();
    req.items.forEach((item, i) => {
      try {
        requireMember(schema, item.resource.type, item.permission);
        validateSubject(schema, item.subject, { field: 'subject', what: 'check' });
      } catch (error) {
        results[i] = { ok: false, error: error as Error };
        return;
      }
      const subject = normalizeSubject(item.subject);
      const key = `${item.resource.type}#${item.permission}@${subject.type}:${subject.id}#${subject.relation ?? ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { type: item.resource.type, permission: item.permission, subject, ids: new Set(), items: [] }));
      g.ids.add(item.resource.id);
      g.items.push(i);
    });
    await Promise.all(
      [...groups.values()].map(async (g) => {
        let r: CheckDispatchResult;
        try {
          const answered = await bulkReach(ctx, g.type, g.ids, g.permission, g.subject);
          const walked = [...g.ids].filter((id) => !answered.has(id));
          r =
            walked.length === 0
              ? { outcomes: new Map(), depthRequired: 1 }
              : await core.checkMany(ctx, g.type, walked, g.permission, g.subject);
          if (answered.size > 0) {
            // A copy: a dispatch result may be shared with concurrent requests (single-flight).
            const outcomes = new Map(r.outcomes);
            for (const [id, outcome] of answered) if (outcome !== undefined) outcomes.set(id, outcome);
            r = { ...r, outcomes };
          }
        } catch (error) {
          for (const i of g.items) results[i] = { ok: false, error: error as Error };
          return;
        }
        for (const i of g.items) {
          const item = req.items[i];
          if (!item) continue;
          results[i] = itemResult(schema, r, item.resource.id, item.context, maxDepth);
        }
      }),
    );
    return { checkedAt: tokenFor(revision, hash), results: results.map((r) => r ?? { ok: false, error: new Error('unreachable') }) };
  }

  /** The bulk-check items of one group that recursive queries answer, by id (undefined: not a member). */
  async function bulkReach(
    ctx: DispatchContext,
    type: string,
    ids: ReadonlySet<string>,
    permission: string,
    subject: SubjectRef,
  ): Promise<Map<string, Outcome | undefined>> {
    const answered = new Map<string, Outcome | undefined>();
    const plan = ctx.trace ? undefined : reachPlan(ctx, type, permission, subject);
    if (plan === undefined) return answered;
    const key = { revision: ctx.revision, resourceType: type, relation: permission, subject };
    // Cached results are left to the dispatch, which answers them without I/O.
    const asked = [...ids].filter((id) => caching?.peek(key, id, maxDepth) === undefined);
    // Up to `chunkSize` items in flight: on Postgres each query is a round trip.
    for (let i = 0; i < asked.length; i += chunkSize) {
      const part = asked.slice(i, i + chunkSize);
      const answers = await Promise.all(part.map((id) => answerPlan(plan, ctx.reader, type, id, subject)));
      answers.forEach((answer, j) => {
        ctx.metrics.recursive(ctx.operation, answer !== undefined);
        if (answer === undefined) return;
        const id = part[j] as string;
        const outcome = answer === 'member' ? MEMBER : undefined;
        answered.set(id, outcome);
        reachAnswered(ctx.operation, key, id, outcome);
      });
    }
    return answered;
  }

  return {
    resolveRevision: (c) => resolver.resolve(c),
    noteWrite: (rev) => resolver.noteWrite(rev),
    schemaAt: async (rev) => (await core.schemaFor(rev)).schema,
    tokenFor,
    check,
    checkBulk,
    expand: (req) => expand(core, req),
    expandSubjects: (resource, relation, revision) => expandSubjects(core, resource, relation, revision),
    lookupResources: (req) => lookupResources(core, req),
    lookupSubjects: (req) => lookupSubjects(core, req),
    metrics: () => metrics.snapshot(),
    clearCache: () => {
      caching?.clear();
      core.candidates.clear();
    },
  };
}

function itemResult(
  schema: Schema,
  r: CheckDispatchResult,
  id: string,
  context: JsonObject | undefined,
  maxDepth: number,
): BulkCheckItemResult {
  const outcome = r.outcomes.get(id);
  if (outcome?.kind === 'depth') return { ok: false, error: new MaxDepthExceededError(maxDepth) };
  try {
    const resolved = resolveOutcome(schema, outcome, context);
    const raw = r.traces?.get(id);
    return { ok: true, ...resolved, ...(raw ? { trace: buildTrace(schema, raw, context) } : {}) };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** With the cache off, the top of the chain still counts dispatches. */
class CountingDispatcher implements Dispatcher {
  constructor(private readonly next: Dispatcher) {}
  dispatchCheck(req: Parameters<Dispatcher['dispatchCheck']>[0]): ReturnType<Dispatcher['dispatchCheck']> {
    req.ctx.metrics.dispatch(req.ctx.operation);
    return this.next.dispatchCheck(req);
  }
}
