/**
 * The bottom of the dispatcher chain: evaluates one check sub-problem for a batch of resources
 * straight from the schema, with one store query per (relation, batch of ids). Every nested
 * sub-problem (computed relations, subject sets, arrows) is dispatched through `top`, so it is
 * cached and de-duplicated like the request itself.
 */
import { ELLIPSIS, type Relationship, type RelationshipFilter, WILDCARD_ID } from '../core/index.js';
import { assertNever, type PermissionExpr, type Relation } from '../schema/index.js';
import { problemPrefix, type CheckDispatch, type CheckDispatchResult, type Dispatcher, type RawTrace } from './dispatch.js';
import { DEPTH, MEMBER, andNotOutcome, andOutcome, orInto, relationshipOutcome, type Outcome } from './outcome.js';

type Outcomes = Map<string, Outcome>;

/** Relation reads one request remembers; beyond this it reads again rather than grow. */
const MEMO_LIMIT = 4096;

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

  private async query(frame: Frame, filter: Omit<RelationshipFilter, 'resourceIds'>, ids: readonly string[]): Promise<Relationship[]> {
    const reader = frame.req.ctx.reader;
    const parts = chunk(ids, this.chunkSize);
    if (parts.length === 1) return reader.query({ ...filter, resourceIds: parts[0] as string[] });
    const results = await Promise.all(parts.map((resourceIds) => reader.query({ ...filter, resourceIds })));
    return results.flat();
  }

  /**
   * All rows of one relation for a batch of ids, read once per request: `view`, `edit` and
   * `manage` of a folder each walk the same `parent` rows.
   */
  private relationRows(frame: Frame, relation: string, ids: readonly string[]): Promise<readonly Relationship[]> {
    const req = frame.req;
    const memo = req.ctx.rows;
    const key = `${req.resourceType}\u0000${relation}\u0000${ids.join('\u0001')}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const read = this.query(frame, { resourceType: req.resourceType, relation }, ids);
    if (memo.size < MEMO_LIMIT) memo.set(key, read);
    return read;
  }

  /** A relation: direct subjects (exact or wildcard), then subject sets through nested dispatch. */
  private async direct(frame: Frame, relation: Relation, ids: readonly string[]): Promise<Outcomes> {
    const req = frame.req;
    const s = req.subject;
    const out: Outcomes = new Map();
    let directAllowed = false;
    let wildcardAllowed = false;
    const subjectSets = new Map<string, { type: string; relation: string }>();
    for (const at of relation.allowedTypes) {
      const rel = at.relation === ELLIPSIS ? undefined : at.relation;
      if (at.wildcard) {
        if (at.type === s.type) wildcardAllowed = true;
      } else if (at.type === s.type && sameRelation(rel, s.relation)) directAllowed = true;
      if (rel !== undefined) subjectSets.set(`${at.type}#${rel}`, { type: at.type, relation: rel });
    }
    if (directAllowed || wildcardAllowed) {
      const subjectIds = directAllowed && wildcardAllowed ? [s.id, WILDCARD_ID] : directAllowed ? [s.id] : [WILDCARD_ID];
      const rels = await this.query(
        frame,
        { resourceType: req.resourceType, relation: req.relation, subject: { type: s.type, ids: subjectIds } },
        ids,
      );
      for (const r of rels) {
        const matches = r.subject.id === WILDCARD_ID ? wildcardAllowed : sameRelation(r.subject.relation, s.relation);
        if (!matches) continue;
        orInto(out, r.resource.id, relationshipOutcome(r));
        frame.addRelationship(r.resource.id, r);
      }
    }
    if (subjectSets.size === 0) return out;
    const remaining = ids.filter((id) => out.get(id)?.kind !== 'member');
    if (remaining.length === 0) return out;
    await Promise.all(
      [...subjectSets.values()].map(async (set) => {
        const rels = await this.query(
          frame,
          { resourceType: req.resourceType, relation: req.relation, subject: { type: set.type, relation: set.relation } },
          remaining,
        );
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
    const rels = (await this.relationRows(frame, tupleset, ids)).filter((r) => r.subject.id !== WILDCARD_ID);
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
