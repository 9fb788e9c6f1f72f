/**
 * LookupSubjects: every subject of a type with a permission on one resource, with `*` and its
 * exclusions, conditional results, and results whose caveat is false under the request context
 * left out (reference §5.1, §5.2).
 */
import { ELLIPSIS, type JsonObject } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import { resolveOutcome } from './caveat-eval.js';
import type { EngineCore } from './engine.js';
import type { Outcome } from './outcome.js';
import { requireDefinition, requireMember } from './request-validation.js';
import { valueAt } from './subject-set.js';
import { SubjectWalk, subjectSetKey } from './subject-walk.js';
import type { LookupSubjectsRequest, LookupSubjectsResult, ResolvedSubject } from './types.js';

function resolved(schema: Schema, id: string, o: Outcome, context: JsonObject | undefined): ResolvedSubject | undefined {
  const r = resolveOutcome(schema, o, context);
  if (r.permissionship === 'no_permission') return undefined;
  return { id, permissionship: r.permissionship, ...(r.missingContext ? { missingContext: r.missingContext } : {}) };
}

export async function* lookupSubjects(core: EngineCore, req: LookupSubjectsRequest): AsyncIterable<LookupSubjectsResult> {
  const revision = await core.revisionFor(req.consistency);
  const { schema, hash } = await core.schemaFor(revision);
  requireMember(schema, req.resource.type, req.permission);
  requireDefinition(schema, req.subjectType);
  const subjectRelation = req.subjectRelation === ELLIPSIS || req.subjectRelation === '' ? undefined : req.subjectRelation;
  if (subjectRelation !== undefined) requireMember(schema, req.subjectType, subjectRelation);
  const key = subjectSetKey(req.subjectType, subjectRelation);
  const walk = new SubjectWalk({
    schema,
    reader: core.store.reader(revision),
    maxDepth: core.maxDepth,
    chunkSize: core.chunkSize,
    only: key,
    selfMatch: true,
    trackParents: false,
  });
  core.metrics.dispatch('lookup_subjects');
  const found = (await walk.walk(req.resource.type, [req.resource.id], req.permission, core.maxDepth)).get(req.resource.id);
  const set = found?.get(key);
  if (!set) return;
  const lookedUpAt = core.token(revision, hash);
  const ids = [...set.concrete.keys()].sort();
  for (const id of ids) {
    const v = valueAt(set, id);
    const subject = v ? resolved(schema, id, v.outcome, req.context) : undefined;
    if (subject) yield { subject, excluded: [], lookedUpAt };
  }
  const w = set.wildcard;
  if (w) {
    const subject = resolved(schema, '*', w.outcome, req.context);
    if (subject) {
      const excluded: ResolvedSubject[] = [];
      for (const id of [...w.exclusions.keys()].sort()) {
        const e = resolved(schema, id, w.exclusions.get(id) as Outcome, req.context);
        if (e) excluded.push(e);
      }
      yield { subject, excluded, lookedUpAt };
    }
  }
}
