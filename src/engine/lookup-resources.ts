/**
 * LookupResources: a reverse walk from the subject up through relations, subject sets and
 * arrows computes candidate resources as a fixpoint over id sets (semi-naive: each round only
 * follows ids that are new, in batches), so cyclic data terminates. Candidates whose path
 * crossed an intersection, exclusion, `.all()` or a caveat are then batch-checked, which makes
 * every result's permissionship equal to what check returns. Results stream in id order.
 */
import {
  ELLIPSIS,
  MaxDepthExceededError,
  WILDCARD_ID,
  type Relationship,
  type RelationshipFilter,
  type Revision,
  type SubjectRef,
} from '../core/index.js';
import { assertNever, type PermissionExpr, type Schema } from '../schema/index.js';
import type { StoreReader } from '../store/index.js';
import { resolveOutcome } from './caveat-eval.js';
import type { EngineCore } from './engine.js';
import { callHash, decodeCursor, encodeCursor } from './lr-cursor.js';
import { normalizeSubject, requireDefinition, requireMember, validateSubject } from './request-validation.js';
import type { LookupResourcesRequest, LookupResourcesResult } from './types.js';

const MAX_ROUNDS = 100_000;

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
          this.collect(type, e.name);
          return;
        case 'arrow':
          if (e.mode === 'all') this.needsCheck = true;
          for (const t of this.arrowTargets(type, e.tupleset, e.computed)) this.collect(t, e.computed);
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

  private arrowTargets(type: string, tupleset: string, computed: string): string[] {
    const rel = this.schema.definitions.get(type)?.members.get(tupleset);
    if (rel?.kind !== 'relation') return [];
    const out = new Set<string>();
    for (const at of rel.allowedTypes) if (this.schema.definitions.get(at.type)?.members.has(computed)) out.add(at.type);
    return [...out];
  }

  private async query(filter: RelationshipFilter, subjectIds: readonly string[]): Promise<Relationship[]> {
    const out: Relationship[] = [];
    for (let i = 0; i < subjectIds.length; i += this.chunkSize) {
      const ids = subjectIds.slice(i, i + this.chunkSize);
      const rels = await this.reader.query({ ...filter, subject: { ...(filter.subject as { type: string }), ids } });
      for (const r of rels) {
        if (r.caveat) this.needsCheck = true;
        out.push(r);
      }
    }
    return out;
  }

  async run(type: string, name: string): Promise<Candidates> {
    this.collect(type, name);
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
        if (direct || wildcard) {
          const ids = direct && wildcard ? [s.id, WILDCARD_ID] : direct ? [s.id] : [WILDCARD_ID];
          for (const r of await this.query({ resourceType: n.type, relation: n.name, subject: { type: s.type } }, ids)) {
            if (r.subject.id === WILDCARD_ID || (r.subject.relation ?? undefined) === s.relation) found.push(r.resource.id);
          }
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
    const target = this.node(type, name);
    return { ids: target ? [...target.set].sort() : [], needsCheck: this.needsCheck };
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
        for (const r of await this.query({ resourceType: n.type, relation: n.name, subject: { type: at.type, relation: rel } }, d))
          out.push(r.resource.id);
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
            for (const r of await this.query({ resourceType: n.type, relation: e.tupleset, subject: { type: t } }, d))
              out.push(r.resource.id);
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
    // Bounded memory: huge candidate sets are recomputed per page rather than kept.
    if (candidates.ids.length <= 50_000) core.candidates.set(key, candidates);
  }
  let ids = candidates.ids;
  if (cursor) ids = ids.filter((id) => id > cursor.after);
  const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
  const lookedUpAt = core.token(revision, schemaHash);
  let emitted = 0;
  const make = (resourceId: string, r: ReturnType<typeof resolveOutcome>): LookupResourcesResult => ({
    resourceId,
    permissionship: r.permissionship as LookupResourcesResult['permissionship'],
    ...(r.missingContext ? { missingContext: r.missingContext } : {}),
    lookedUpAt,
    afterResultCursor: encodeCursor({ revision, hash, after: resourceId }),
  });
  if (!candidates.needsCheck) {
    for (const id of ids) {
      if (emitted >= limit) return;
      emitted++;
      yield make(id, { permissionship: 'has_permission' });
    }
    return;
  }
  const ctx = core.context(revision, schema, 'lookup_resources');
  for (let i = 0; i < ids.length && emitted < limit; i += core.chunkSize) {
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
