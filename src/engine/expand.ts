/**
 * Expand: the userset tree of resource#permission as SpiceDB's API returns it (rewrites and arrows
 * followed, subject sets in leaves left as they are), a recursive form that also expands the
 * subject sets, and `expandSubjects`: the flattened membership that validation files compare
 * against, each subject with the direct relations it was found through.
 */
import { ELLIPSIS, MaxDepthExceededError, WILDCARD_ID, type ObjectRef, type Revision, type SubjectRef } from '../core/index.js';
import { assertNever, type PermissionExpr, type Schema } from '../schema/index.js';
import type { StoreReader } from '../store/index.js';
import type { EngineCore } from './engine.js';
import { requireMember } from './request-validation.js';
import { SubjectWalk } from './subject-walk.js';
import type { ExpandRequest, ExpandResult, ExpandTree } from './types.js';

export interface ExpandedSubject {
  /** Id `*` for the wildcard. */
  readonly subject: SubjectRef;
  readonly caveated: boolean;
  /** For the wildcard: the subjects it excludes. */
  readonly excluded: readonly { readonly subject: SubjectRef; readonly caveated: boolean }[];
  /** Sorted `type:id#relation` of the relations whose relationships name this subject. */
  readonly parents: readonly string[];
}

type Leaf = Extract<ExpandTree, { kind: 'leaf' }>['subjects'][number];

class Expander {
  constructor(
    private readonly schema: Schema,
    private readonly reader: StoreReader,
    private readonly maxDepth: number,
    private readonly recursive: boolean,
  ) {}

  async node(resource: ObjectRef, relation: string, depth: number): Promise<ExpandTree> {
    if (depth <= 0) throw new MaxDepthExceededError(this.maxDepth);
    const member = this.schema.definitions.get(resource.type)?.members.get(relation);
    if (!member) return { kind: 'leaf', subjects: [], expanded: resource, relation };
    if (member.kind === 'permission') return this.expr(resource, relation, member.expression, depth);
    const rels = await this.reader.query({ resourceType: resource.type, resourceIds: [resource.id], relation });
    const subjects: Leaf[] = rels.map((r) => ({ ...r.subject, ...(r.caveat ? { caveated: true } : {}) }));
    const leaf: ExpandTree = { kind: 'leaf', subjects, expanded: resource, relation };
    if (!this.recursive) return leaf;
    const nested = rels.filter((r) => r.subject.relation !== undefined && r.subject.relation !== ELLIPSIS && r.subject.id !== WILDCARD_ID);
    if (nested.length === 0) return leaf;
    const children: ExpandTree[] = [leaf];
    for (const r of nested)
      children.push(await this.node({ type: r.subject.type, id: r.subject.id }, r.subject.relation as string, depth - 1));
    return { kind: 'intermediate', operation: 'union', children, expanded: resource, relation };
  }

  private async expr(resource: ObjectRef, relation: string, e: PermissionExpr, depth: number): Promise<ExpandTree> {
    switch (e.kind) {
      case 'nil':
        return { kind: 'leaf', subjects: [], expanded: resource, relation };
      case 'self':
        return { kind: 'leaf', subjects: [{ type: resource.type, id: resource.id }], expanded: resource, relation };
      case 'computed':
        return this.node(resource, e.name, depth - 1);
      case 'arrow': {
        const rels = await this.reader.query({ resourceType: resource.type, resourceIds: [resource.id], relation: e.tupleset });
        const children: ExpandTree[] = [];
        for (const r of rels) {
          if (r.subject.id === WILDCARD_ID || !this.schema.definitions.get(r.subject.type)?.members.has(e.computed)) continue;
          children.push(await this.node({ type: r.subject.type, id: r.subject.id }, e.computed, depth - 1));
        }
        return { kind: 'intermediate', operation: e.mode === 'all' ? 'intersection' : 'union', children, expanded: resource, relation };
      }
      case 'union':
      case 'intersection': {
        const children: ExpandTree[] = [];
        for (const c of e.children) children.push(await this.expr(resource, relation, c, depth));
        return { kind: 'intermediate', operation: e.kind, children, expanded: resource, relation };
      }
      case 'exclusion': {
        const children = [await this.expr(resource, relation, e.base, depth), await this.expr(resource, relation, e.subtract, depth)];
        return { kind: 'intermediate', operation: 'exclusion', children, expanded: resource, relation };
      }
      default:
        return assertNever(e);
    }
  }
}

export async function expand(core: EngineCore, req: ExpandRequest): Promise<ExpandResult> {
  const revision = await core.revisionFor(req.consistency);
  const { schema, hash } = await core.schemaFor(revision);
  requireMember(schema, req.resource.type, req.permission);
  core.metrics.dispatch('expand');
  const tree = await new Expander(schema, core.store.reader(revision), core.maxDepth, req.recursive === true).node(
    req.resource,
    req.permission,
    core.maxDepth,
  );
  return { expandedAt: core.token(revision, hash), tree };
}

export async function expandSubjects(
  core: EngineCore,
  resource: ObjectRef,
  relation: string,
  revision: Revision,
): Promise<ExpandedSubject[]> {
  const { schema } = await core.schemaFor(revision);
  requireMember(schema, resource.type, relation);
  const walk = new SubjectWalk({
    schema,
    reader: core.store.reader(revision),
    maxDepth: core.maxDepth,
    chunkSize: core.chunkSize,
    selfMatch: false,
    trackParents: true,
  });
  const typed = (await walk.walk(resource.type, [resource.id], relation, core.maxDepth)).get(resource.id);
  const out: ExpandedSubject[] = [];
  for (const [key, set] of typed ?? []) {
    const hash = key.indexOf('#');
    const type = key.slice(0, hash);
    const rel = key.slice(hash + 1);
    const subjectOf = (id: string): SubjectRef => (rel === ELLIPSIS ? { type, id } : { type, id, relation: rel });
    for (const [id, f] of set.concrete) {
      out.push({ subject: subjectOf(id), caveated: f.outcome.kind !== 'member', excluded: [], parents: [...f.parents].sort() });
    }
    const w = set.wildcard;
    if (w) {
      const excluded = [...w.exclusions]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, o]) => ({ subject: subjectOf(id), caveated: o.kind !== 'member' }));
      out.push({ subject: { type, id: WILDCARD_ID }, caveated: w.outcome.kind !== 'member', excluded, parents: [...w.parents].sort() });
    }
  }
  return out;
}
