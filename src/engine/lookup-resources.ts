/**
 * LookupResources: a reverse walk from the subject up through relations, subject sets and
 * arrows computes candidate resources as a fixpoint over id sets (semi-naive: each round only
 * follows ids that are new, in batches), so cyclic data terminates. Candidates whose path
 * crossed an intersection, exclusion, `.all()` or a caveat are then batch-checked, which makes
 * every result's permissionship equal to what check returns. Results stream in id order.
 */
import { ELLIPSIS, MaxDepthExceededError, WILDCARD_ID, type Revision, type SubjectRef } from '../core/index.js';
import { assertNever, type PermissionExpr, type Schema } from '../schema/index.js';
import type { StoreReader } from '../store/index.js';
import { resolveOutcome } from './caveat-eval.js';
import type { EngineCore } from './engine.js';
import { callHash, cursorEncoder, decodeCursor } from './lr-cursor.js';
import { normalizeSubject, requireDefinition, requireMember, validateSubject } from './request-validation.js';
import type { LookupResourcesRequest, LookupResourcesResult } from './types.js';

const MAX_ROUNDS = 100_000;
const EMPTY: ReadonlySet<string> = new Set();

/** A reverse read without its subject ids: one relation's rows naming subjects of one type. */
interface ReverseRead {
  readonly resourceType: string;
  readonly relation: string;
  readonly subject: { readonly type: string; readonly relation?: string };
}

interface Node {
  readonly type: string;
  readonly name: string;
  readonly set: Set<string>;
  delta: string[];
}

export interface Candidates {
  /** Sorted, distinct. */
  readonly ids: readonly string[];
  /** Whether results must be confirmed by check (intersections, exclusions, `.all`, caveats). */
  readonly needsCheck: boolean;
}

class ReverseWalk {
  private readonly nodes = new Map<string, Node>();
  /** Rows read so far, per filter (without subject ids) and subject id. */
  private readonly rows = new Map<string, Map<string, string[]>>();
  needsCheck = false;

  constructor(
    private readonly schema: Schema,
    private readonly reader: StoreReader,
    private readonly subject: SubjectRef,
    private readonly chunkSize: number,
  ) {}

  private node(type: string, name: string): Node | undefined {
    return this.nodes.get(`${type}#${name}`);
  }

  /** Registers every (type, relation) the target can depend on. */
  private collect(type: string, name: string): void {
    const key = `${type}#${name}`;
    if (this.nodes.has(key)) return;
    const member = this.schema.definitions.get(type)?.members.get(name);
    if (!member) return;
    this.nodes.set(key, { type, name, set: new Set(), delta: [] });
    if (member.kind === 'relation') {
      for (const at of member.allowedTypes) {
        if (at.relation !== undefined && at.relation !== ELLIPSIS && !at.wildcard) this.collect(at.type, at.relation);
      }
      return;
    }
    const visit = (e: PermissionExpr): void => {
      switch (e.kind) {
        case 'nil':
        case 'self':
          return;
        case 'computed':
        case 'arrow':
          this.collectOperands(type, e);
          return;
        case 'union':
          e.children.forEach(visit);
          return;
        case 'intersection':
          this.needsCheck = true;
          if (e.children[0]) visit(e.children[0]);
          return;
        case 'exclusion':
          this.needsCheck = true;
          visit(e.base);
          return;
        default:
          assertNever(e);
      }
    };
    visit(member.expression);
  }

  /**
   * The rows of `type#tupleset` whose subject is of type `t`. An arrow follows them whatever their
   * subject relation, but relationships only carry the subject relations the schema allows, so
   * when it allows one (`parent: folder` allows `...`) the read names it and the store reads only
   * those subjects' rows of this relation instead of every row naming them.
   */
  private tuplesetFilter(type: string, tupleset: string, t: string): ReverseRead {
    const rel = this.schema.definitions.get(type)?.members.get(tupleset);
    const relations = new Set<string>();
    if (rel?.kind === 'relation')
      for (const at of rel.allowedTypes) if (at.type === t && !at.wildcard) relations.add(at.relation ?? ELLIPSIS);
    const [only] = relations;
    return {
      resourceType: type,
      relation: tupleset,
      subject: relations.size === 1 && only !== undefined ? { type: t, relation: only } : { type: t },
    };
  }

  private arrowTargets(type: string, tupleset: string, computed: string): string[] {
    const rel = this.schema.definitions.get(type)?.members.get(tupleset);
    if (rel?.kind !== 'relation') return [];
    const out = new Set<string>();
    for (const at of rel.allowedTypes) if (this.schema.definitions.get(at.type)?.members.has(computed)) out.add(at.type);
    return [...out];
  }

  /**
   * The resource ids of the relationships matching `filter` whose subject is one of `subjectIds`
   * (with repeats when several subjects reach one resource). Each (filter, subject) is read once
   * per walk: arrows reached from several nodes (`parent->edit` under `edit` and `parent->view`
   * under `view`) read the same rows, the second time from memory. Only ids are read (`reverseIds`), which
   * the store answers from its subject index alone. The result may be the memo's own array (or
   * the store's): never modify it.
   */
  private async resources(filter: ReverseRead, subjectIds: readonly string[]): Promise<string[]> {
    const subject = filter.subject;
    const key = `${filter.resourceType}\u0000${filter.relation}\u0000${subject.type}\u0000${subject.relation ?? '\u0001'}`;
    let memo = this.rows.get(key);
    if (!memo) this.rows.set(key, (memo = new Map()));
    const missing = subjectIds.filter((id) => !memo.has(id));
    for (let i = 0; i < missing.length; i += this.chunkSize) {
      const ids = missing.slice(i, i + this.chunkSize);
      for (const id of ids) memo.set(id, []);
      // Ids only (the store answers from its subject index); a caveated row means check decides.
      const read = await this.reader.reverseIds({
        resourceType: filter.resourceType,
        relation: filter.relation,
        subject: { ...subject, ids },
      });
      if (read.caveated.length > 0) this.needsCheck = true;
      for (const [id, list] of read.bySubject) memo.set(id, list);
    }
    if (subjectIds.length === 1) return memo.get(subjectIds[0] as string) ?? [];
    const out: string[] = [];
    for (const id of subjectIds) for (const r of memo.get(id) ?? []) out.push(r);
    return out;
  }

  async run(type: string, name: string): Promise<Candidates> {
    const member = this.schema.definitions.get(type)?.members.get(name);
    if (member?.kind === 'permission' && hasSetOperation(member.expression)) return this.runSetOperation(type, name, member.expression);
    this.collect(type, name);
    await this.fixpoint();
    const target = this.node(type, name);
    return { ids: target ? [...target.set].sort() : [], needsCheck: this.needsCheck };
  }

  /**
   * A target permission whose expression has an intersection or exclusion above every relation,
   * computed permission and arrow (`view = (viewer + parent->view) - banned`): the walk computes
   * the set of each operand, and the set algebra is applied to those sets at the end. When every
   * operand's set is exact (no caveat, no nested intersection, exclusion or `.all`, and the target
   * not reached again through its own operands) the result is exact and needs no check;
   * otherwise it is an over-approximation (`base` for an exclusion, the intersection of the
   * operands' over-approximations for an intersection) that check confirms.
   */
  private async runSetOperation(type: string, name: string, e: PermissionExpr): Promise<Candidates> {
    this.collectOperands(type, e);
    await this.fixpoint();
    const leaves = new Map<PermissionExpr, Set<string>>();
    await this.leafSets(type, e, leaves);
    const exact = !this.needsCheck;
    const out = this.combine(e, leaves, exact);
    const s = this.subject;
    const ids = [...out];
    // Check's self-match: `type:id#name` is in `type:id#name` whatever the expression says.
    if (s.type === type && s.relation === name && !out.has(s.id)) ids.push(s.id);
    return { ids: ids.sort(), needsCheck: !exact };
  }

  /** Registers the nodes the top-level operands of a set operation read. */
  private collectOperands(type: string, e: PermissionExpr): void {
    switch (e.kind) {
      case 'nil':
      case 'self':
        return;
      case 'computed':
        this.collect(type, e.name);
        return;
      case 'arrow':
        if (e.mode === 'all') this.needsCheck = true;
        for (const t of this.arrowTargets(type, e.tupleset, e.computed)) this.collect(t, e.computed);
        return;
      case 'union':
      case 'intersection':
        for (const c of e.children) this.collectOperands(type, c);
        return;
      case 'exclusion':
        this.collectOperands(type, e.base);
        this.collectOperands(type, e.subtract);
        return;
      default:
        assertNever(e);
    }
  }

  /** The resources of `type` each leaf operand (relation, computed permission, arrow, self) yields. */
  private async leafSets(type: string, e: PermissionExpr, out: Map<PermissionExpr, Set<string>>): Promise<void> {
    switch (e.kind) {
      case 'nil':
        out.set(e, new Set());
        return;
      case 'self': {
        const s = this.subject;
        out.set(e, s.type === type && s.relation === undefined ? new Set([s.id]) : new Set());
        return;
      }
      case 'computed':
        out.set(e, this.node(type, e.name)?.set ?? new Set());
        return;
      case 'arrow': {
        const found = new Set<string>();
        for (const t of this.arrowTargets(type, e.tupleset, e.computed)) {
          const ids = this.node(t, e.computed)?.set;
          if (!ids || ids.size === 0) continue;
          for (const id of await this.resources(this.tuplesetFilter(type, e.tupleset, t), [...ids])) found.add(id);
        }
        out.set(e, found);
        return;
      }
      case 'union':
      case 'intersection':
        for (const c of e.children) await this.leafSets(type, c, out);
        return;
      case 'exclusion':
        await this.leafSets(type, e.base, out);
        await this.leafSets(type, e.subtract, out);
        return;
      default:
        assertNever(e);
    }
  }

  /**
   * Set algebra over the leaf sets. Exact leaves give the exact answer; over-approximated leaves
   * give a superset of it (an exclusion keeps its base, since its subtrahend may be too large).
   * May return one of the leaf sets itself: never modify the result.
   */
  private combine(e: PermissionExpr, leaves: ReadonlyMap<PermissionExpr, Set<string>>, exact: boolean): ReadonlySet<string> {
    switch (e.kind) {
      case 'union': {
        const parts = e.children.map((c) => this.combine(c, leaves, exact)).filter((p) => p.size > 0);
        if (parts.length <= 1) return parts[0] ?? EMPTY;
        const out = new Set<string>();
        for (const p of parts) for (const id of p) out.add(id);
        return out;
      }
      case 'intersection': {
        const parts = e.children.map((c) => this.combine(c, leaves, exact));
        if (parts.some((p) => p.size === 0)) return EMPTY;
        const [first, ...rest] = [...parts].sort((a, b) => a.size - b.size);
        if (!first) return EMPTY;
        const out = new Set<string>();
        for (const id of first) if (rest.every((r) => r.has(id))) out.add(id);
        return out;
      }
      case 'exclusion': {
        const base = this.combine(e.base, leaves, exact);
        if (!exact || base.size === 0) return base;
        const subtract = this.combine(e.subtract, leaves, exact);
        if (subtract.size === 0) return base;
        const out = new Set<string>();
        for (const id of base) if (!subtract.has(id)) out.add(id);
        return out;
      }
      default:
        return leaves.get(e) ?? EMPTY;
    }
  }

  /** Seeds every registered node with the subject's direct relationships and runs the walk to its fixpoint. */
  private async fixpoint(): Promise<void> {
    const s = this.subject;
    // Seed: the subject's direct relationships (exact or via wildcard), self-match and `self`.
    const seeds = new Map<Node, string[]>();
    for (const n of this.nodes.values()) {
      const member = this.schema.definitions.get(n.type)?.members.get(n.name);
      const found: string[] = [];
      if (n.type === s.type && n.name === s.relation) found.push(s.id);
      if (member?.kind === 'relation') {
        let direct = false;
        let wildcard = false;
        for (const at of member.allowedTypes) {
          if (at.type !== s.type) continue;
          if (at.wildcard) wildcard = true;
          else if ((at.relation === ELLIPSIS ? undefined : at.relation) === s.relation) direct = true;
        }
        // Narrowed to the subject relation, so the store reads only this subject's rows of this
        // relation (the subject index leads with subject type, id and relation).
        const reads: { ids: string[]; relation: string }[] = [];
        if (direct && wildcard && s.relation === undefined) reads.push({ ids: [s.id, WILDCARD_ID], relation: ELLIPSIS });
        else {
          if (direct) reads.push({ ids: [s.id], relation: s.relation ?? ELLIPSIS });
          if (wildcard) reads.push({ ids: [WILDCARD_ID], relation: ELLIPSIS });
        }
        for (const read of reads) {
          const filter = { resourceType: n.type, relation: n.name, subject: { type: s.type, relation: read.relation } };
          // Every row read is the subject itself (its relation named) or the wildcard.
          for (const id of await this.resources(filter, read.ids)) found.push(id);
        }
      } else if (member?.kind === 'permission' && n.type === s.type && s.relation === undefined && usesSelf(member.expression)) {
        found.push(s.id);
      }
      seeds.set(n, found);
    }
    for (const [n, found] of seeds) this.add(n, found);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const deltas = new Map<Node, string[]>();
      for (const n of this.nodes.values()) deltas.set(n, n.delta);
      if ([...deltas.values()].every((d) => d.length === 0)) break;
      for (const n of this.nodes.values()) n.delta = [];
      const delta = (t: string, name: string): string[] => {
        const n = this.node(t, name);
        return n ? (deltas.get(n) ?? []) : [];
      };
      for (const n of this.nodes.values()) this.add(n, await this.step(n, delta));
    }
  }

  private add(n: Node, ids: Iterable<string>): void {
    for (const id of ids) {
      if (!n.set.has(id)) {
        n.set.add(id);
        n.delta.push(id);
      }
    }
  }

  /** New resources of `n` implied by the previous round's new ids. */
  private async step(n: Node, delta: (t: string, name: string) => string[]): Promise<string[]> {
    const member = this.schema.definitions.get(n.type)?.members.get(n.name);
    if (!member) return [];
    if (member.kind === 'relation') {
      const out: string[] = [];
      const seen = new Set<string>();
      for (const at of member.allowedTypes) {
        const rel = at.relation === ELLIPSIS ? undefined : at.relation;
        if (rel === undefined || at.wildcard || seen.has(`${at.type}#${rel}`)) continue;
        seen.add(`${at.type}#${rel}`);
        const d = delta(at.type, rel);
        if (d.length === 0) continue;
        for (const id of await this.resources({ resourceType: n.type, relation: n.name, subject: { type: at.type, relation: rel } }, d))
          out.push(id);
      }
      return out;
    }
    const out: string[] = [];
    const visit = async (e: PermissionExpr): Promise<void> => {
      switch (e.kind) {
        case 'nil':
        case 'self':
          return;
        case 'computed':
          out.push(...delta(n.type, e.name));
          return;
        case 'arrow':
          for (const t of this.arrowTargets(n.type, e.tupleset, e.computed)) {
            const d = delta(t, e.computed);
            if (d.length === 0) continue;
            for (const id of await this.resources(this.tuplesetFilter(n.type, e.tupleset, t), d)) out.push(id);
          }
          return;
        case 'union':
          for (const c of e.children) await visit(c);
          return;
        case 'intersection':
          if (e.children[0]) await visit(e.children[0]);
          return;
        case 'exclusion':
          await visit(e.base);
          return;
        default:
          assertNever(e);
      }
    };
    await visit(member.expression);
    return out;
  }
}

/** Whether an intersection or exclusion sits above the expression's relations, permissions and arrows. */
function hasSetOperation(e: PermissionExpr): boolean {
  switch (e.kind) {
    case 'intersection':
    case 'exclusion':
      return true;
    case 'union':
      return e.children.some(hasSetOperation);
    default:
      return false;
  }
}

function usesSelf(e: PermissionExpr): boolean {
  switch (e.kind) {
    case 'self':
      return true;
    case 'union':
    case 'intersection':
      return e.children.some(usesSelf);
    case 'exclusion':
      return usesSelf(e.base);
    default:
      return false;
  }
}

export async function lookupCandidates(
  schema: Schema,
  reader: StoreReader,
  resourceType: string,
  permission: string,
  subject: SubjectRef,
  chunkSize: number,
): Promise<Candidates> {
  return new ReverseWalk(schema, reader, subject, chunkSize).run(resourceType, permission);
}

/** Candidate sets up to this size are kept in `core.candidates` freely (its LRU bounds their number). */
const SMALL_CANDIDATES = 50_000;
/** Larger sets share this many ids per engine; the oldest are dropped first. */
const LARGE_CANDIDATES_BUDGET = 1_000_000;

/** Per candidate cache (one per engine), the large sets it holds, oldest first. */
const largeHeld = new WeakMap<object, { key: string; candidates: Candidates }[]>();

/**
 * Keeps `candidates` for paging through cursors (and repeating the call at the same revision).
 * Large sets are kept too, as long as all of them fit a fixed budget of ids: recomputing a set of
 * 100k resources for each page of 1000 would walk the graph 100 times.
 */
export function remember(
  core: Pick<EngineCore, 'candidates'>,
  key: string,
  candidates: Candidates,
  limits: { readonly small: number; readonly budget: number } = { small: SMALL_CANDIDATES, budget: LARGE_CANDIDATES_BUDGET },
): void {
  const n = candidates.ids.length;
  if (n <= limits.small) {
    core.candidates.set(key, candidates);
    return;
  }
  if (n > limits.budget) return;
  // Entries the LRU evicted, or clearCache dropped, no longer count.
  const held = (largeHeld.get(core.candidates) ?? []).filter((h) => core.candidates.peek(h.key) === h.candidates);
  let total = n;
  for (const h of held) total += h.candidates.ids.length;
  while (total > limits.budget && held.length > 0) {
    const oldest = held.shift() as { key: string; candidates: Candidates };
    core.candidates.delete(oldest.key);
    total -= oldest.candidates.ids.length;
  }
  held.push({ key, candidates });
  largeHeld.set(core.candidates, held);
  core.candidates.set(key, candidates);
}

/** Index of the first id greater than `after` in sorted `ids`. */
function firstAfter(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function* lookupResources(core: EngineCore, req: LookupResourcesRequest): AsyncIterable<LookupResourcesResult> {
  const subject = normalizeSubject(req.subject);
  const hash = callHash(req.resourceType, req.permission, subject, req.context);
  const cursor = req.cursor ? decodeCursor(req.cursor, hash) : undefined;
  const revision: Revision = cursor ? cursor.revision : await core.revisionFor(req.consistency);
  if (cursor) await core.store.checkRevision(revision);
  const { schema, hash: schemaHash } = await core.schemaFor(revision);
  requireDefinition(schema, req.resourceType);
  requireMember(schema, req.resourceType, req.permission);
  validateSubject(schema, req.subject, { field: 'subject', what: 'lookup' });
  const reader = core.store.reader(revision);
  core.metrics.dispatch('lookup_resources');
  const key = `${revision}\u0000${req.resourceType}\u0000${req.permission}\u0000${subject.type}:${subject.id}#${subject.relation ?? ''}`;
  let candidates = core.candidates.get(key);
  if (!candidates) {
    candidates = await lookupCandidates(schema, reader, req.resourceType, req.permission, subject, core.chunkSize);
    remember(core, key, candidates);
  }
  const ids = candidates.ids;
  const start = cursor ? firstAfter(ids, cursor.after) : 0;
  const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
  const lookedUpAt = core.token(revision, schemaHash);
  const cursorFor = cursorEncoder(revision, hash);
  let emitted = 0;
  const make = (resourceId: string, r: ReturnType<typeof resolveOutcome>): LookupResourcesResult => ({
    resourceId,
    permissionship: r.permissionship as LookupResourcesResult['permissionship'],
    ...(r.missingContext ? { missingContext: r.missingContext } : {}),
    lookedUpAt,
    afterResultCursor: cursorFor(resourceId),
  });
  if (!candidates.needsCheck) {
    const end = Math.min(ids.length, start + limit);
    for (let i = start; i < end; i++) {
      const resourceId = ids[i] as string;
      yield { resourceId, permissionship: 'has_permission', lookedUpAt, afterResultCursor: cursorFor(resourceId) };
    }
    return;
  }
  const ctx = core.context(revision, schema, 'lookup_resources');
  for (let i = start; i < ids.length && emitted < limit; i += core.chunkSize) {
    const batch = ids.slice(i, i + core.chunkSize);
    const r = await core.checkMany(ctx, req.resourceType, batch, req.permission, subject);
    for (const id of batch) {
      if (emitted >= limit) return;
      const o = r.outcomes.get(id);
      if (o?.kind === 'depth') throw new MaxDepthExceededError(core.maxDepth);
      const res = resolveOutcome(schema, o, req.context);
      if (res.permissionship === 'no_permission') continue;
      emitted++;
      yield make(id, res);
    }
  }
}
