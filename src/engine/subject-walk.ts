/**
 * Forward walk from resources to all the subjects that have a relation or permission on them,
 * as subject sets per `type#relation` (wildcard algebra in subject-set.ts). Used by
 * LookupSubjects (restricted to one subject type) and by the recursive expansion that
 * validation files compare against. Batched: one store query per (relation, batch of ids).
 */
import { ELLIPSIS, MaxDepthExceededError, WILDCARD_ID, type Relationship } from '../core/index.js';
import { assertNever, type PermissionExpr, type Schema } from '../schema/index.js';
import type { StoreReader } from '../store/index.js';
import { MEMBER, relationshipOutcome } from './outcome.js';
import { EMPTY_SET, SubjectSetBuilder, intersect, single, subtract, union, unionAll, withOutcome, type SubjectSet } from './subject-set.js';

/** Subject sets keyed by `type#relation` (`...` for plain subjects). */
export type TypedSubjects = ReadonlyMap<string, SubjectSet>;

export function subjectSetKey(type: string, relation: string | undefined): string {
  return `${type}#${relation === undefined || relation === '' ? ELLIPSIS : relation}`;
}

export interface SubjectWalkOptions {
  readonly schema: Schema;
  readonly reader: StoreReader;
  readonly maxDepth: number;
  readonly chunkSize: number;
  /** Only collect this `type#relation` key (LookupSubjects). */
  readonly only?: string;
  /** Count `type:id#rel` itself as a subject of `type:id#rel` (the self-match rule of check). */
  readonly selfMatch: boolean;
  /** Record, per subject, the direct relations it was found through. */
  readonly trackParents: boolean;
}

const EMPTY_TYPED: TypedSubjects = new Map();

/** Per resource id, the `type:id#relation` keys the walk descended through to reach it. */
type Ancestry = ReadonlyMap<string, ReadonlySet<string>>;

/** The ancestry of each subject reached through `rels`: the union of its parents' ancestries. */
function childAncestry(anc: Ancestry, rels: readonly Relationship[], include: (r: Relationship) => boolean): Ancestry {
  const out = new Map<string, Set<string>>();
  for (const r of rels) {
    if (!include(r)) continue;
    const parent = anc.get(r.resource.id);
    if (!parent) continue;
    const cur = out.get(r.subject.id);
    if (cur) for (const k of parent) cur.add(k);
    else out.set(r.subject.id, new Set(parent));
  }
  return out;
}

function mergeTyped(
  a: TypedSubjects,
  b: TypedSubjects,
  op: (x: SubjectSet, y: SubjectSet) => SubjectSet,
  keys: 'union' | 'left' | 'both',
): TypedSubjects {
  const out = new Map<string, SubjectSet>();
  const all = keys === 'union' ? new Set([...a.keys(), ...b.keys()]) : new Set(a.keys());
  for (const k of all) {
    const x = a.get(k);
    const y = b.get(k);
    if (keys === 'both' && (!x || !y)) continue;
    out.set(k, op(x ?? EMPTY_SET, y ?? EMPTY_SET));
  }
  return out;
}

/** Collects, per resource, the subject sets to union, and unions each group once at the end. */
class TypedUnion {
  private readonly parts = new Map<string, Map<string, SubjectSet[]>>();

  add(id: string, typed: TypedSubjects): void {
    let byKey = this.parts.get(id);
    if (!byKey) this.parts.set(id, (byKey = new Map()));
    for (const [k, set] of typed) {
      const list = byKey.get(k);
      if (list) list.push(set);
      else byKey.set(k, [set]);
    }
  }

  addSet(id: string, key: string, set: SubjectSet): void {
    this.add(id, new Map([[key, set]]));
  }

  build(): Map<string, TypedSubjects> {
    const out = new Map<string, TypedSubjects>();
    for (const [id, byKey] of this.parts) {
      const typed = new Map<string, SubjectSet>();
      for (const [k, list] of byKey) typed.set(k, unionAll(list));
      out.set(id, typed);
    }
    return out;
  }
}

export class SubjectWalk {
  private readonly memo = new Map<string, TypedSubjects>();

  constructor(private readonly o: SubjectWalkOptions) {}

  /** Subjects of `type:id#relation` for each id. */
  async walk(
    type: string,
    ids: readonly string[],
    relation: string,
    depth: number,
    anc: Ancestry = new Map(),
  ): Promise<Map<string, TypedSubjects>> {
    if (depth <= 0) throw new MaxDepthExceededError(this.o.maxDepth);
    const out = new Map<string, TypedSubjects>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const m = this.memo.get(`${type}:${id}#${relation}`);
      if (m) out.set(id, m);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    // A walk that comes back to a resource it descends from would recurse until the depth limit
    // (SpiceDB's behaviour on cyclic data): fail now instead of exploring every path to it.
    const inner = new Map<string, ReadonlySet<string>>();
    for (const id of missing) {
      const k = `${type}:${id}#${relation}`;
      const a = anc.get(id);
      if (a?.has(k)) throw new MaxDepthExceededError(this.o.maxDepth);
      inner.set(id, new Set(a).add(k));
    }
    const member = this.o.schema.definitions.get(type)?.members.get(relation);
    let computed = new Map<string, TypedSubjects>();
    if (member?.kind === 'relation') computed = await this.direct(type, missing, relation, depth, inner);
    else if (member?.kind === 'permission') computed = await this.expr(type, missing, member.expression, depth, inner);
    const key = subjectSetKey(type, relation);
    for (const id of missing) {
      let r = computed.get(id) ?? EMPTY_TYPED;
      if (this.o.selfMatch && (this.o.only === undefined || this.o.only === key)) {
        r = mergeTyped(r, new Map([[key, single(id, MEMBER)]]), union, 'union');
      }
      this.memo.set(`${type}:${id}#${relation}`, r);
      out.set(id, r);
    }
    return out;
  }

  private async query(type: string, relation: string, ids: readonly string[]): Promise<Relationship[]> {
    const out: Relationship[] = [];
    for (let i = 0; i < ids.length; i += this.o.chunkSize) {
      out.push(...(await this.o.reader.query({ resourceType: type, relation, resourceIds: ids.slice(i, i + this.o.chunkSize) })));
    }
    return out;
  }

  private async direct(
    type: string,
    ids: readonly string[],
    relation: string,
    depth: number,
    anc: Ancestry,
  ): Promise<Map<string, TypedSubjects>> {
    const rels = await this.query(type, relation, ids);
    const leaves = new Map<string, Map<string, SubjectSetBuilder>>();
    const parentsOf = new Map<string, ReadonlySet<string>>();
    const nested = new Map<string, { type: string; relation: string; ids: Set<string> }>();
    for (const r of rels) {
      const s = r.subject;
      const key = subjectSetKey(s.type, s.relation);
      if (this.o.only === undefined || this.o.only === key) {
        let byKey = leaves.get(r.resource.id);
        if (!byKey) leaves.set(r.resource.id, (byKey = new Map()));
        let b = byKey.get(key);
        if (!b) byKey.set(key, (b = new SubjectSetBuilder()));
        let parents: ReadonlySet<string> | undefined;
        if (this.o.trackParents) {
          parents = parentsOf.get(r.resource.id);
          if (!parents) parentsOf.set(r.resource.id, (parents = new Set([`${type}:${r.resource.id}#${relation}`])));
        }
        b.add(s.id, relationshipOutcome(r), parents);
      }
      if (s.relation !== undefined && s.relation !== ELLIPSIS && s.id !== WILDCARD_ID) {
        const nk = `${s.type}#${s.relation}`;
        let n = nested.get(nk);
        if (!n) nested.set(nk, (n = { type: s.type, relation: s.relation, ids: new Set() }));
        n.ids.add(s.id);
      }
    }
    const acc = new TypedUnion();
    for (const [id, byKey] of leaves) for (const [key, b] of byKey) acc.addSet(id, key, b.build());
    const children = new Map<string, Map<string, TypedSubjects>>();
    for (const [nk, n] of nested)
      children.set(
        nk,
        await this.walk(
          n.type,
          [...n.ids],
          n.relation,
          depth - 1,
          childAncestry(anc, rels, (r) => r.subject.type === n.type && r.subject.relation === n.relation),
        ),
      );
    for (const r of rels) {
      const s = r.subject;
      if (s.relation === undefined || s.relation === ELLIPSIS || s.id === WILDCARD_ID) continue;
      const sub = children.get(`${s.type}#${s.relation}`)?.get(s.id);
      if (sub) acc.add(r.resource.id, applyOutcome(sub, relationshipOutcome(r)));
    }
    return acc.build();
  }

  private async expr(
    type: string,
    ids: readonly string[],
    e: PermissionExpr,
    depth: number,
    anc: Ancestry,
  ): Promise<Map<string, TypedSubjects>> {
    switch (e.kind) {
      case 'nil':
        return new Map();
      case 'self': {
        const key = subjectSetKey(type, undefined);
        const out = new Map<string, TypedSubjects>();
        if (this.o.only === undefined || this.o.only === key) for (const id of ids) out.set(id, new Map([[key, single(id, MEMBER)]]));
        return out;
      }
      case 'computed':
        return this.walk(type, ids, e.name, depth - 1, anc);
      case 'arrow':
        return this.arrow(type, ids, e.tupleset, e.computed, e.mode, depth, anc);
      case 'union':
      case 'intersection': {
        let acc: Map<string, TypedSubjects> | undefined;
        for (const child of e.children) {
          const r = await this.expr(type, ids, child, depth, anc);
          if (!acc) {
            acc = r;
            continue;
          }
          const next = new Map<string, TypedSubjects>();
          for (const id of ids) {
            const a = acc.get(id) ?? EMPTY_TYPED;
            const b = r.get(id) ?? EMPTY_TYPED;
            next.set(id, e.kind === 'union' ? mergeTyped(a, b, union, 'union') : mergeTyped(a, b, intersect, 'both'));
          }
          acc = next;
        }
        return acc ?? new Map();
      }
      case 'exclusion': {
        const base = await this.expr(type, ids, e.base, depth, anc);
        const sub = await this.expr(type, [...base.keys()], e.subtract, depth, anc);
        const out = new Map<string, TypedSubjects>();
        for (const [id, a] of base) out.set(id, mergeTyped(a, sub.get(id) ?? EMPTY_TYPED, subtract, 'left'));
        return out;
      }
      default:
        return assertNever(e);
    }
  }

  private async arrow(
    type: string,
    ids: readonly string[],
    tupleset: string,
    computed: string,
    mode: 'any' | 'all',
    depth: number,
    anc: Ancestry,
  ): Promise<Map<string, TypedSubjects>> {
    const rels = (await this.query(type, tupleset, ids)).filter((r) => r.subject.id !== WILDCARD_ID);
    const byType = new Map<string, Set<string>>();
    for (const r of rels) {
      if (!this.o.schema.definitions.get(r.subject.type)?.members.has(computed)) continue;
      let set = byType.get(r.subject.type);
      if (!set) byType.set(r.subject.type, (set = new Set()));
      set.add(r.subject.id);
    }
    const children = new Map<string, Map<string, TypedSubjects>>();
    for (const [t, set] of byType)
      children.set(
        t,
        await this.walk(
          t,
          [...set],
          computed,
          depth - 1,
          childAncestry(anc, rels, (r) => r.subject.type === t),
        ),
      );
    if (mode === 'any') {
      const acc = new TypedUnion();
      for (const r of rels) {
        const sub = children.get(r.subject.type)?.get(r.subject.id);
        if (sub) acc.add(r.resource.id, applyOutcome(sub, relationshipOutcome(r)));
      }
      return acc.build();
    }
    const out = new Map<string, TypedSubjects>();
    const failed = new Set<string>();
    for (const r of rels) {
      const sub = children.get(r.subject.type)?.get(r.subject.id);
      const id = r.resource.id;
      if (failed.has(id)) continue;
      if (!sub) {
        failed.add(id);
        out.delete(id);
        continue;
      }
      const v = applyOutcome(sub, relationshipOutcome(r));
      const cur = out.get(id);
      out.set(id, cur ? mergeTyped(cur, v, intersect, 'both') : v);
    }
    return out;
  }
}

function applyOutcome(t: TypedSubjects, o: ReturnType<typeof relationshipOutcome>): TypedSubjects {
  if (o.kind === 'member') return t;
  const out = new Map<string, SubjectSet>();
  for (const [k, s] of t) out.set(k, withOutcome(s, o));
  return out;
}
