/**
 * A deliberately naive reference evaluator for permission checks, used as the oracle of the
 * engine's property tests. It reads the schema definitions literally and scans the whole
 * relationship list at every step: no batching, no cache, no dispatch, no carried caveat trees.
 * Caveats are evaluated where they occur, in three-valued logic (true / false / partial with the
 * missing parameter names), which composes the same way as evaluating a combined caveat tree.
 *
 * Recursion is cut on cycles: a (resource, relation) already on the current path counts as
 * "not a member" for that path, so the answer is the least fixpoint of the definitions (every
 * membership has a finite derivation). The engine errors instead of guessing on cyclic data, so
 * tests compare only the answers the engine gives.
 */
import type { JsonObject, ObjectRef, Relationship, SubjectRef } from '../../src/core/index.js';
import type { PermissionExpr, Schema } from '../../src/schema/index.js';

export type RefValue =
  { readonly kind: 'true' } | { readonly kind: 'false' } | { readonly kind: 'partial'; readonly missing: readonly string[] };

const T: RefValue = { kind: 'true' };
const F: RefValue = { kind: 'false' };

function combine(kind: 'and' | 'or', values: readonly RefValue[]): RefValue {
  const decisive = kind === 'and' ? 'false' : 'true';
  const missing = new Set<string>();
  let partial = false;
  for (const v of values) {
    if (v.kind === decisive) return v;
    if (v.kind === 'partial') {
      partial = true;
      v.missing.forEach((m) => missing.add(m));
    }
  }
  if (partial) return { kind: 'partial', missing: [...missing].sort() };
  return kind === 'and' ? T : F;
}

function not(v: RefValue): RefValue {
  return v.kind === 'true' ? F : v.kind === 'false' ? T : v;
}

export class ReferenceEvaluator {
  constructor(
    private readonly schema: Schema,
    private readonly relationships: readonly Relationship[],
    private readonly context: JsonObject = {},
  ) {}

  /** HAS / NO / CONDITIONAL(missing) for `resource#permission@subject`. */
  check(resource: ObjectRef, permission: string, subject: SubjectRef): RefValue {
    return this.eval(resource, permission, subject, new Set());
  }

  private caveatOf(r: Relationship): RefValue {
    if (!r.caveat) return T;
    const def = this.schema.caveats.get(r.caveat.name);
    if (!def) throw new Error(`unknown caveat ${r.caveat.name}`);
    const res = def.compiled.evaluate({ ...this.context, ...(r.caveat.context ?? {}) });
    return res.kind === 'partial' ? { kind: 'partial', missing: [...res.missing].sort() } : res.kind === 'true' ? T : F;
  }

  private eval(resource: ObjectRef, name: string, subject: SubjectRef, path: Set<string>): RefValue {
    if (subject.type === resource.type && subject.id === resource.id && subject.relation === name) return T;
    const key = `${resource.type}:${resource.id}#${name}`;
    if (path.has(key)) return F;
    const member = this.schema.definitions.get(resource.type)?.members.get(name);
    if (!member) return F;
    const inner = new Set(path).add(key);
    if (member.kind === 'permission') return this.expr(resource, member.expression, subject, inner);
    const values: RefValue[] = [];
    for (const r of this.relationships) {
      if (r.resource.type !== resource.type || r.resource.id !== resource.id || r.relation !== name) continue;
      const s = r.subject;
      if (s.type !== subject.type && s.relation === undefined) continue;
      let reached: RefValue = F;
      if (s.type === subject.type && s.id === '*') reached = T;
      else if (s.type === subject.type && s.id === subject.id && s.relation === subject.relation) reached = T;
      if (reached.kind !== 'true' && s.relation !== undefined) {
        reached = combine('or', [reached, this.eval({ type: s.type, id: s.id }, s.relation, subject, inner)]);
      }
      values.push(combine('and', [this.caveatOf(r), reached]));
    }
    return combine('or', values);
  }

  private expr(resource: ObjectRef, e: PermissionExpr, subject: SubjectRef, path: Set<string>): RefValue {
    switch (e.kind) {
      case 'nil':
        return F;
      case 'self':
        return subject.type === resource.type && subject.id === resource.id && subject.relation === undefined ? T : F;
      case 'computed':
        return this.eval(resource, e.name, subject, path);
      case 'union':
        return combine(
          'or',
          e.children.map((c) => this.expr(resource, c, subject, path)),
        );
      case 'intersection':
        return combine(
          'and',
          e.children.map((c) => this.expr(resource, c, subject, path)),
        );
      case 'exclusion':
        return combine('and', [this.expr(resource, e.base, subject, path), not(this.expr(resource, e.subtract, subject, path))]);
      case 'arrow': {
        const values: RefValue[] = [];
        for (const r of this.relationships) {
          if (r.resource.type !== resource.type || r.resource.id !== resource.id || r.relation !== e.tupleset || r.subject.id === '*')
            continue;
          const target = { type: r.subject.type, id: r.subject.id };
          const has = this.schema.definitions.get(target.type)?.members.has(e.computed) === true;
          values.push(combine('and', [this.caveatOf(r), has ? this.eval(target, e.computed, subject, path) : F]));
        }
        if (e.mode === 'all') return values.length === 0 ? F : combine('and', values);
        return combine('or', values);
      }
    }
  }
}
