/**
 * The bottom of the dispatcher chain: evaluates one check sub-problem for a batch of resources
 * straight from the schema, with one store query per (relation, batch of ids). Every nested
 * sub-problem (computed relations, subject sets, arrows) is dispatched through `top`, so it is
 * cached and de-duplicated like the request itself.
 */
import { ELLIPSIS, type Relationship, type SubjectRef, WILDCARD_ID } from '../core/index.js';
import { assertNever, type Definition, type Permission, type PermissionExpr, type Relation } from '../schema/index.js';
import { problemPrefix, subjectKey, type CheckDispatch, type CheckDispatchResult, type Dispatcher, type RawTrace } from './dispatch.js';
import { DEPTH, MEMBER, andNotOutcome, andOutcome, orInto, relationshipOutcome, type Outcome } from './outcome.js';
import { shapeKey, type ReadShape } from './row-memo.js';

type Outcomes = Map<string, Outcome>;

/** The reads `direct` makes for one relation and one subject. */
interface RelationReads {
  /** Rows naming the subject itself (or the wildcard), when the relation allows either. */
  readonly direct: ReadShape | undefined;
  readonly wildcardAllowed: boolean;
  /** Rows whose subject is a subject set the relation allows, one read per set type. */
  readonly sets: readonly { readonly type: string; readonly relation: string; readonly shape: ReadShape }[];
}

function relationReads(resourceType: string, name: string, relation: Relation, s: SubjectRef): RelationReads {
  let directAllowed = false;
  let wildcardAllowed = false;
  const sets = new Map<string, { type: string; relation: string; shape: ReadShape }>();
  for (const at of relation.allowedTypes) {
    const rel = at.relation === ELLIPSIS ? undefined : at.relation;
    if (at.wildcard) {
      if (at.type === s.type) wildcardAllowed = true;
    } else if (at.type === s.type && sameRelation(rel, s.relation)) directAllowed = true;
    if (rel !== undefined && !sets.has(`${at.type}#${rel}`))
      sets.set(`${at.type}#${rel}`, {
        type: at.type,
        relation: rel,
        shape: { resourceType, relation: name, subject: { type: at.type, relation: rel } },
      });
  }
  const subjectIds = directAllowed && wildcardAllowed ? [s.id, WILDCARD_ID] : directAllowed ? [s.id] : [WILDCARD_ID];
  return {
    direct: directAllowed || wildcardAllowed ? { resourceType, relation: name, subject: { type: s.type, ids: subjectIds } } : undefined,
    wildcardAllowed,
    sets: [...sets.values()],
  };
}

/** What evaluating a member reads on its own object: relations checked directly, and arrow tuplesets. */
interface ObjectReads {
  readonly relations: readonly string[];
  readonly tuplesets: readonly string[];
}

const objectReadsCache = new WeakMap<Relation | Permission | Definition, ObjectReads>();

/**
 * Reads per object beyond which a prefetch covers only what the dispatched member needs rather
 * than what any member of the definition may need next.
 */
const MAX_PREFETCH_READS = 8;

/**
 * Everything any member of the definition reads on its own object. A folder reached through
 * `parent->edit` is usually asked `view` next (through `parent->view`): reading both at once
 * costs a few index seeks more and saves a statement (a round trip on Postgres).
 */
function definitionReads(def: Definition): ObjectReads {
  const cached = objectReadsCache.get(def);
  if (cached !== undefined) return cached;
  const relations = new Set<string>();
  const tuplesets = new Set<string>();
  for (const m of def.members.values()) {
    const r = objectReads(def, m);
    r.relations.forEach((x) => relations.add(x));
    r.tuplesets.forEach((x) => tuplesets.add(x));
  }
  const result = { relations: [...relations], tuplesets: [...tuplesets] };
  objectReadsCache.set(def, result);
  return result;
}

/** Follows computed members on the same definition; arrows contribute only their tupleset. */
function objectReads(def: Definition, member: Relation | Permission): ObjectReads {
  const cached = objectReadsCache.get(member);
  if (cached !== undefined) return cached;
  const relations = new Set<string>();
  const tuplesets = new Set<string>();
  const seen = new Set<Permission>();
  const visit = (e: PermissionExpr): void => {
    switch (e.kind) {
      case 'nil':
      case 'self':
        return;
      case 'computed': {
        const m = def.members.get(e.name);
        if (m?.kind === 'relation') relations.add(e.name);
        else if (m?.kind === 'permission' && !seen.has(m)) {
          seen.add(m);
          visit(m.expression);
        }
        return;
      }
      case 'arrow':
        tuplesets.add(e.tupleset);
        return;
      case 'union':
      case 'intersection':
        e.children.forEach(visit);
        return;
      case 'exclusion':
        visit(e.base);
        visit(e.subtract);
        return;
      default:
        assertNever(e);
    }
  };
  if (member.kind === 'relation') relations.add(member.name);
  else {
    seen.add(member);
    visit(member.expression);
  }
  const result = { relations: [...relations], tuplesets: [...tuplesets] };
  objectReadsCache.set(member, result);
  return result;
}

/** Mutable bookkeeping of one dispatch: depth used, and (when tracing) per-resource evidence. */
class Frame {
  depthRequired = 1;
  readonly children: Map<string, RawTrace[]> | undefined;
  readonly relationships: Map<string, Relationship[]> | undefined;
  constructor(readonly req: CheckDispatch) {
    this.children = req.ctx.trace ? new Map() : undefined;
    this.relationships = req.ctx.trace ? new Map() : undefined;
  }
  addChild(parentId: string, t: RawTrace | undefined): void {
    if (!this.children || !t) return;
    const list = this.children.get(parentId);
    if (list) {
      if (!list.includes(t)) list.push(t);
    } else this.children.set(parentId, [t]);
  }
  addRelationship(parentId: string, r: Relationship): void {
    if (!this.relationships) return;
    const list = this.relationships.get(parentId);
    if (list) list.push(r);
    else this.relationships.set(parentId, [r]);
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  if (items.length <= size) return [items.slice()];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sameRelation(a: string | undefined, b: string | undefined): boolean {
  return (a === ELLIPSIS ? undefined : a) === (b === ELLIPSIS ? undefined : b);
}

/**
 * Union branches in order of expected cost, so a member found by a direct relation spares the
 * walk up a parent chain: relations, then permissions and nested operations, then arrows.
 * Union is commutative, so only the amount of work changes.
 */
function cheapestFirst(frame: Frame, children: readonly PermissionExpr[]): readonly PermissionExpr[] {
  const def = frame.req.ctx.schema.definitions.get(frame.req.resourceType);
  const cost = (e: PermissionExpr): number => {
    if (e.kind === 'nil' || e.kind === 'self') return 0;
    if (e.kind === 'computed') return def?.members.get(e.name)?.kind === 'relation' ? 1 : 2;
    return e.kind === 'arrow' ? 4 : 3;
  };
  let sorted = true;
  for (let i = 1; i < children.length; i++)
    if (cost(children[i - 1] as PermissionExpr) > cost(children[i] as PermissionExpr)) sorted = false;
  return sorted ? children : [...children].sort((a, b) => cost(a) - cost(b));
}

export class CheckWalk implements Dispatcher {
  constructor(
    private readonly top: () => Dispatcher,
    private readonly chunkSize: number,
    /** Prefetch each object's reads in one statement (see EngineOptions.batchObjectReads). */
    private readonly batchObjectReads: boolean,
  ) {}

  async dispatchCheck(req: CheckDispatch): Promise<CheckDispatchResult> {
    const started = req.ctx.trace ? performance.now() : 0;
    const member = req.ctx.schema.definitions.get(req.resourceType)?.members.get(req.relation);
    const outcomes: Outcomes = new Map();
    const frame = new Frame(req);
    if (req.depthRemaining <= 0 || member === undefined) {
      // Out of depth: every resource is undecided. An unknown member (a stale sub-problem after a
      // schema change) grants nothing, as SpiceDB skips relations a type does not have.
      if (req.depthRemaining <= 0) for (const id of req.resourceIds) outcomes.set(id, DEPTH);
      return this.finish(frame, outcomes, member?.kind ?? 'relation', started);
    }
    let ids = req.resourceIds;
    const s = req.subject;
    // Self-match: the subject `type:id#rel` is trivially in `type:id#rel`.
    if (s.relation === req.relation && s.type === req.resourceType && ids.includes(s.id)) {
      outcomes.set(s.id, MEMBER);
      ids = ids.filter((id) => id !== s.id);
    }
    const prefix = problemPrefix(req);
    const undecided = req.ctx.undecided;
    if (undecided.size > 0) {
      ids = ids.filter((id) => {
        const d = undecided.get(prefix + id);
        if (d === undefined || d < req.depthRemaining) return true;
        outcomes.set(id, DEPTH);
        return false;
      });
    }
    if (ids.length > 0) {
      const prefetched = this.batchObjectReads ? this.prefetch(frame, member, ids) : undefined;
      if (prefetched !== undefined) await prefetched;
      const found = member.kind === 'relation' ? await this.direct(frame, member, ids) : await this.expr(frame, member.expression, ids);
      for (const [id, o] of found) {
        outcomes.set(id, o);
        if (o.kind === 'depth') undecided.set(prefix + id, req.depthRemaining);
      }
    }
    return this.finish(frame, outcomes, member.kind, started);
  }

  private finish(frame: Frame, outcomes: Outcomes, kind: 'relation' | 'permission', started: number): CheckDispatchResult {
    const req = frame.req;
    if (!req.ctx.trace) return { outcomes, depthRequired: frame.depthRequired };
    const durationMs = performance.now() - started;
    const traces = new Map<string, RawTrace>();
    for (const id of req.resourceIds) {
      traces.set(id, {
        resourceType: req.resourceType,
        resourceId: id,
        relation: req.relation,
        permissionType: kind,
        subject: req.subject,
        outcome: outcomes.get(id),
        relationships: frame.relationships?.get(id) ?? [],
        wasCached: false,
        durationMs,
        children: frame.children?.get(id) ?? [],
      });
    }
    return { outcomes, depthRequired: frame.depthRequired, traces };
  }

  /** Dispatches a nested sub-problem (in chunks) through the top of the chain. */
  private async sub(frame: Frame, resourceType: string, ids: readonly string[], relation: string): Promise<CheckDispatchResult> {
    const top = this.top();
    const base = frame.req;
    const parts = chunk(ids, this.chunkSize);
    const results = await Promise.all(
      parts.map((resourceIds) =>
        top.dispatchCheck({
          ctx: base.ctx,
          resourceType,
          resourceIds,
          relation,
          subject: base.subject,
          depthRemaining: base.depthRemaining - 1,
        }),
      ),
    );
    let depthRequired = 0;
    for (const r of results) if (r.depthRequired > depthRequired) depthRequired = r.depthRequired;
    if (depthRequired + 1 > frame.depthRequired) frame.depthRequired = depthRequired + 1;
    if (results.length === 1) return results[0] as CheckDispatchResult;
    const outcomes: Outcomes = new Map();
    const traces = base.ctx.trace ? new Map<string, RawTrace>() : undefined;
    for (const r of results) {
      for (const [id, o] of r.outcomes) outcomes.set(id, o);
      if (traces && r.traces) for (const [id, t] of r.traces) traces.set(id, t);
    }
    return traces ? { outcomes, depthRequired, traces } : { outcomes, depthRequired };
  }

  /**
   * Reads, in one statement, every relation this member will read on the same objects (through
   * computed relations and permissions, and arrow tuplesets), so the sub-problems that follow
   * find their rows in the request's memo instead of each making a round trip.
   */
  private prefetch(frame: Frame, member: Relation | Permission, ids: readonly string[]): Promise<void> | undefined {
    const req = frame.req;
    const def = req.ctx.schema.definitions.get(req.resourceType);
    if (def === undefined) return undefined;
    const memo = req.ctx.rows;
    const plan = memo.plan(`p\u0000${req.resourceType}\u0000${req.relation}\u0000${subjectKey(req.subject)}`, () =>
      this.prefetchPlan(frame, def, member),
    );
    const keys: string[] = [];
    const list: ReadShape[] = [];
    plan.keys.forEach((key, i) => {
      if (memo.has(key, ids)) return;
      keys.push(key);
      list.push(plan.shapes[i] as ReadShape);
    });
    // A single read gains nothing from batching, and may not be needed at all.
    if (list.length < 2) return undefined;
    return Promise.all(
      chunk(ids, this.chunkSize).map(async (part) => {
        const results = await req.ctx.reader.queryBatch(list.map((shape) => ({ ...shape, resourceIds: part })));
        results.forEach((rows, i) => memo.store(keys[i] as string, part, rows));
      }),
    ).then(() => undefined);
  }

  /** The reads a prefetch of this member's objects covers, for the request's subject. */
  private prefetchPlan(frame: Frame, def: Definition, member: Relation | Permission): { keys: string[]; shapes: ReadShape[] } {
    const req = frame.req;
    const shapesFor = (plan: ObjectReads): Map<string, ReadShape> => {
      const shapes = new Map<string, ReadShape>();
      const want = (shape: ReadShape): void => {
        const key = shapeKey(shape);
        if (!shapes.has(key)) shapes.set(key, shape);
      };
      for (const name of plan.relations) {
        const relation = def.members.get(name);
        if (relation?.kind !== 'relation') continue;
        const reads = this.relationReads(frame, name, relation);
        if (reads.direct) want(reads.direct);
        for (const set of reads.sets) want(set.shape);
      }
      for (const tupleset of plan.tuplesets) want({ resourceType: req.resourceType, relation: tupleset });
      return shapes;
    };
    let shapes = shapesFor(definitionReads(def));
    if (shapes.size > MAX_PREFETCH_READS) shapes = shapesFor(objectReads(def, member));
    return { keys: [...shapes.keys()], shapes: [...shapes.values()] };
  }

  /** `relationReads` for the request's subject, made once per request. */
  private relationReads(frame: Frame, name: string, relation: Relation): RelationReads {
    const req = frame.req;
    return req.ctx.rows.plan(`r\u0000${req.resourceType}\u0000${name}\u0000${subjectKey(req.subject)}`, () =>
      relationReads(req.resourceType, name, relation, req.subject),
    );
  }

  /** The rows of one read for a batch of ids: from the request's memo, or from the store (then remembered). */
  private async read(frame: Frame, shape: ReadShape, ids: readonly string[]): Promise<readonly Relationship[]> {
    const memo = frame.req.ctx.rows;
    const key = shapeKey(shape);
    const known = memo.lookup(key, ids);
    if (known !== undefined) return known;
    const reader = frame.req.ctx.reader;
    const parts = chunk(ids, this.chunkSize);
    const rows =
      parts.length === 1
        ? await reader.query({ ...shape, resourceIds: parts[0] as string[] })
        : (await Promise.all(parts.map((resourceIds) => reader.query({ ...shape, resourceIds })))).flat();
    memo.store(key, ids, rows);
    return rows;
  }

  /** A relation: direct subjects (exact or wildcard), then subject sets through nested dispatch. */
  private async direct(frame: Frame, relation: Relation, ids: readonly string[]): Promise<Outcomes> {
    const req = frame.req;
    const s = req.subject;
    const out: Outcomes = new Map();
    const reads = this.relationReads(frame, req.relation, relation);
    if (reads.direct) {
      for (const r of await this.read(frame, reads.direct, ids)) {
        const matches = r.subject.id === WILDCARD_ID ? reads.wildcardAllowed : sameRelation(r.subject.relation, s.relation);
        if (!matches) continue;
        orInto(out, r.resource.id, relationshipOutcome(r));
        frame.addRelationship(r.resource.id, r);
      }
    }
    if (reads.sets.length === 0) return out;
    const remaining = ids.filter((id) => out.get(id)?.kind !== 'member');
    if (remaining.length === 0) return out;
    await Promise.all(
      reads.sets.map(async (set) => {
        const rels = await this.read(frame, set.shape, remaining);
        if (rels.length === 0) return;
        const subjectIds = [...new Set(rels.map((r) => r.subject.id))];
        const child = await this.sub(frame, set.type, subjectIds, set.relation);
        for (const r of rels) {
          const o = child.outcomes.get(r.subject.id);
          if (frame.children) {
            frame.addChild(r.resource.id, child.traces?.get(r.subject.id));
            if (o) frame.addRelationship(r.resource.id, r);
          }
          orInto(out, r.resource.id, andOutcome(relationshipOutcome(r), o));
        }
      }),
    );
    return out;
  }

  private async expr(frame: Frame, e: PermissionExpr, ids: readonly string[]): Promise<Outcomes> {
    switch (e.kind) {
      case 'nil':
        return new Map();
      case 'self': {
        const s = frame.req.subject;
        const out: Outcomes = new Map();
        if (s.type === frame.req.resourceType && s.relation === undefined && ids.includes(s.id)) out.set(s.id, MEMBER);
        return out;
      }
      case 'computed': {
        const r = await this.sub(frame, frame.req.resourceType, ids, e.name);
        if (frame.children && r.traces) for (const id of ids) frame.addChild(id, r.traces.get(id));
        return new Map(r.outcomes);
      }
      case 'arrow':
        return this.arrow(frame, e.tupleset, e.computed, e.mode, ids);
      case 'union': {
        const out: Outcomes = new Map();
        let pending = ids;
        for (const child of cheapestFirst(frame, e.children)) {
          if (pending.length === 0) break;
          const r = await this.expr(frame, child, pending);
          for (const [id, o] of r) orInto(out, id, o);
          pending = pending.filter((id) => out.get(id)?.kind !== 'member');
        }
        return out;
      }
      case 'intersection': {
        let acc: Outcomes | undefined;
        let pending = ids;
        for (const child of e.children) {
          if (pending.length === 0) break;
          const r = await this.expr(frame, child, pending);
          const next: Outcomes = new Map();
          for (const id of pending) {
            const o = acc ? andOutcome(acc.get(id), r.get(id)) : r.get(id);
            if (o !== undefined) next.set(id, o);
          }
          acc = next;
          pending = [...next.keys()];
        }
        return acc ?? new Map();
      }
      case 'exclusion': {
        const base = await this.expr(frame, e.base, ids);
        if (base.size === 0) return base;
        const sub = await this.expr(frame, e.subtract, [...base.keys()]);
        const out: Outcomes = new Map();
        for (const [id, o] of base) {
          const r = andNotOutcome(o, sub.get(id));
          if (r !== undefined) out.set(id, r);
        }
        return out;
      }
      default:
        return assertNever(e);
    }
  }

  /** `tupleset->computed` walks each subject's object, ignoring its subject relation. */
  private async arrow(frame: Frame, tupleset: string, computed: string, mode: 'any' | 'all', ids: readonly string[]): Promise<Outcomes> {
    const req = frame.req;
    const schema = req.ctx.schema;
    const rels = (await this.read(frame, { resourceType: req.resourceType, relation: tupleset }, ids)).filter(
      (r) => r.subject.id !== WILDCARD_ID,
    );
    const byType = new Map<string, Set<string>>();
    for (const r of rels) {
      if (!schema.definitions.get(r.subject.type)?.members.has(computed)) continue;
      let set = byType.get(r.subject.type);
      if (!set) byType.set(r.subject.type, (set = new Set()));
      set.add(r.subject.id);
    }
    const children = new Map<string, CheckDispatchResult>();
    await Promise.all(
      [...byType].map(async ([type, set]) => {
        children.set(type, await this.sub(frame, type, [...set], computed));
      }),
    );
    const out: Outcomes = new Map();
    const seenAll = new Set<string>();
    const failedAll = new Set<string>();
    for (const r of rels) {
      const child = children.get(r.subject.type);
      const o = andOutcome(relationshipOutcome(r), child?.outcomes.get(r.subject.id));
      if (frame.children) {
        frame.addChild(r.resource.id, child?.traces?.get(r.subject.id));
        frame.addRelationship(r.resource.id, r);
      }
      if (mode === 'any') {
        orInto(out, r.resource.id, o);
        continue;
      }
      const id = r.resource.id;
      if (failedAll.has(id)) continue;
      if (o === undefined) {
        failedAll.add(id);
        out.delete(id);
        continue;
      }
      out.set(id, seenAll.has(id) ? (andOutcome(out.get(id), o) as Outcome) : o);
      seenAll.add(id);
    }
    return out;
  }
}
