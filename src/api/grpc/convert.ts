/**
 * Translation between protobuf messages and domain values, validating requests on the way in
 * (validate.ts) so the services never see a malformed object, subject or filter.
 */
import type { JsonObject as PbJsonObject, MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, durationFromMs } from '@bufbuild/protobuf/wkt';
import {
  ELLIPSIS,
  InvalidArgumentError,
  type JsonObject,
  type ObjectRef,
  type Precondition,
  type Relationship,
  type RelationshipFilter,
  type RelationshipUpdate,
  type SubjectFilter,
  type SubjectRef,
} from '../../core/index.js';
import type { CheckTrace, Consistency, ExpandTree, Permissionship } from '../../engine/index.js';
import {
  AlgebraicSubjectSet_Operation,
  RelationshipUpdate_Operation,
  type ObjectReference,
  type PartialCaveatInfoSchema,
  type PermissionRelationshipTreeSchema,
  type Relationship as PbRelationship,
  type RelationshipSchema,
  type SubjectReference,
  type RelationshipUpdate as PbRelationshipUpdate,
  type ObjectReferenceSchema,
  type SubjectReferenceSchema,
} from '../../gen/authzed/api/v1/core_pb.js';
import {
  CaveatEvalInfo_Result,
  CheckDebugTrace_PermissionType,
  CheckDebugTrace_Permissionship,
  type CheckDebugTraceSchema,
} from '../../gen/authzed/api/v1/debug_pb.js';
import {
  CheckPermissionResponse_Permissionship,
  LookupPermissionship,
  Precondition_Operation,
  type Consistency as PbConsistency,
  type Precondition as PbPrecondition,
  type RelationshipFilter as PbRelationshipFilter,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import {
  requireMessage,
  validateCaveatName,
  validateCursor,
  validateDefinedEnum,
  validateFilterId,
  validateObjectId,
  validateOptionalRelationName,
  validateOptionalTypeName,
  validateRelationName,
  validateToken,
  validateTypeName,
} from './validate.js';

// ---- objects, subjects, relationships ----------------------------------------------------

export function objectFromProto(o: ObjectReference | undefined, field: string, allowWildcard = false): ObjectRef {
  const obj = requireMessage(o, field);
  return {
    type: validateTypeName(obj.objectType, `${field}.object_type`),
    id: validateObjectId(obj.objectId, `${field}.object_id`, allowWildcard),
  };
}

export function subjectFromProto(s: SubjectReference | undefined, field: string): SubjectRef {
  const subj = requireMessage(s, field);
  const object = objectFromProto(subj.object, `${field}.object`, true);
  const relation =
    subj.optionalRelation === '' || subj.optionalRelation === ELLIPSIS
      ? undefined
      : validateRelationName(subj.optionalRelation, `${field}.optional_relation`);
  if (object.id === '*' && relation !== undefined) {
    throw new InvalidArgumentError(`invalid ${field}: a wildcard subject cannot have a relation`, field);
  }
  return relation === undefined ? object : { ...object, relation };
}

export function objectToProto(o: ObjectRef): MessageInitShape<typeof ObjectReferenceSchema> {
  return { objectType: o.type, objectId: o.id };
}

export function subjectToProto(s: SubjectRef): MessageInitShape<typeof SubjectReferenceSchema> {
  return { object: objectToProto(s), optionalRelation: s.relation === undefined || s.relation === ELLIPSIS ? '' : s.relation };
}

export function contextFromProto(c: PbJsonObject | undefined): JsonObject | undefined {
  return c === undefined ? undefined : (c as JsonObject);
}

export function relationshipFromProto(r: PbRelationship | undefined, field: string): Relationship {
  const rel = requireMessage(r, field);
  const resource = objectFromProto(rel.resource, `${field}.resource`);
  const relation = validateRelationName(rel.relation, `${field}.relation`);
  const subject = subjectFromProto(rel.subject, `${field}.subject`);
  const c = rel.optionalCaveat;
  let caveat: Relationship['caveat'];
  if (c !== undefined && c.caveatName !== '') {
    const name = validateCaveatName(c.caveatName, `${field}.optional_caveat.caveat_name`);
    caveat = c.context !== undefined && Object.keys(c.context).length > 0 ? { name, context: c.context as JsonObject } : { name };
  }
  const expiresAt = rel.optionalExpiresAt ? timestampDate(rel.optionalExpiresAt) : undefined;
  return { resource, relation, subject, ...(caveat ? { caveat } : {}), ...(expiresAt ? { expiresAt } : {}) };
}

export function relationshipToProto(r: Relationship): MessageInitShape<typeof RelationshipSchema> {
  return {
    resource: objectToProto(r.resource),
    relation: r.relation,
    subject: subjectToProto(r.subject),
    ...(r.caveat ? { optionalCaveat: { caveatName: r.caveat.name, context: (r.caveat.context ?? {}) as PbJsonObject } } : {}),
    ...(r.expiresAt ? { optionalExpiresAt: timestampFromDate(r.expiresAt) } : {}),
  };
}

const UPDATE_OPS: Record<number, RelationshipUpdate['operation']> = {
  [RelationshipUpdate_Operation.CREATE]: 'create',
  [RelationshipUpdate_Operation.TOUCH]: 'touch',
  [RelationshipUpdate_Operation.DELETE]: 'delete',
};

export function updateFromProto(u: PbRelationshipUpdate, field: string): RelationshipUpdate {
  validateDefinedEnum(u.operation, RelationshipUpdate_Operation.DELETE, `${field}.operation`);
  const operation = UPDATE_OPS[u.operation] ?? 'touch';
  return { operation, relationship: relationshipFromProto(u.relationship, `${field}.relationship`) };
}

// ---- filters and preconditions ---------------------------------------------------------

export function filterFromProto(f: PbRelationshipFilter | undefined, field: string): RelationshipFilter {
  const filter = requireMessage(f, field);
  const resourceType = validateOptionalTypeName(filter.resourceType, `${field}.resource_type`);
  const resourceId = validateFilterId(filter.optionalResourceId, `${field}.optional_resource_id`);
  if (filter.optionalResourceId === '*') {
    throw new InvalidArgumentError(`invalid ${field}.optional_resource_id: value cannot be a wildcard (\`*\`)`, field);
  }
  const resourceIdPrefix = validateFilterId(filter.optionalResourceIdPrefix, `${field}.optional_resource_id_prefix`);
  const relation = validateOptionalRelationName(filter.optionalRelation, `${field}.optional_relation`);
  let subject: SubjectFilter | undefined;
  const sf = filter.optionalSubjectFilter;
  if (sf !== undefined) {
    const type = validateTypeName(sf.subjectType, `${field}.optional_subject_filter.subject_type`);
    const id =
      sf.optionalSubjectId === ''
        ? undefined
        : validateObjectId(sf.optionalSubjectId, `${field}.optional_subject_filter.optional_subject_id`, true);
    let rel: string | undefined;
    if (sf.optionalRelation !== undefined) {
      rel =
        sf.optionalRelation.relation === ''
          ? ELLIPSIS
          : validateRelationName(sf.optionalRelation.relation, `${field}.optional_subject_filter.optional_relation.relation`);
      if (id === '*' && rel !== ELLIPSIS) {
        throw new InvalidArgumentError(`invalid ${field}.optional_subject_filter: a wildcard subject cannot have a relation`, field);
      }
    }
    subject = { type, ...(id !== undefined ? { ids: [id] } : {}), ...(rel !== undefined ? { relation: rel } : {}) };
  }
  return {
    ...(resourceType !== undefined ? { resourceType } : {}),
    ...(resourceId !== undefined ? { resourceIds: [resourceId] } : {}),
    ...(resourceIdPrefix !== undefined ? { resourceIdPrefix } : {}),
    ...(relation !== undefined ? { relation } : {}),
    ...(subject !== undefined ? { subject } : {}),
  };
}

export function preconditionFromProto(p: PbPrecondition, field: string): Precondition {
  validateDefinedEnum(p.operation, Precondition_Operation.MUST_MATCH, `${field}.operation`);
  return {
    operation: p.operation === Precondition_Operation.MUST_MATCH ? 'must_match' : 'must_not_match',
    filter: filterFromProto(requireMessage(p.filter, `${field}.filter`), `${field}.filter`),
  };
}

// ---- consistency, tokens, cursors ------------------------------------------------------

export function consistencyFromProto(c: PbConsistency | undefined, field = 'consistency'): Consistency | undefined {
  if (c === undefined) return undefined;
  const r = c.requirement;
  switch (r.case) {
    case 'minimizeLatency':
      if (!r.value) throw new InvalidArgumentError(`invalid ${field}.minimize_latency: value must equal true`, field);
      return { kind: 'minimize_latency' };
    case 'fullyConsistent':
      if (!r.value) throw new InvalidArgumentError(`invalid ${field}.fully_consistent: value must equal true`, field);
      return { kind: 'fully_consistent' };
    case 'atLeastAsFresh':
      return { kind: 'at_least_as_fresh', token: validateToken(r.value.token, `${field}.at_least_as_fresh.token`) };
    case 'atExactSnapshot':
      return { kind: 'at_exact_snapshot', token: validateToken(r.value.token, `${field}.at_exact_snapshot.token`) };
    case undefined:
      throw new InvalidArgumentError(`invalid ${field}: exactly one of requirement is required`, field);
  }
}

export function cursorFromProto(c: { token: string } | undefined, field: string): string | undefined {
  return c === undefined ? undefined : validateCursor(c.token, `${field}.token`);
}

export function zed(token: string): { token: string } {
  return { token };
}

// ---- results -------------------------------------------------------------------------

export function checkPermissionshipToProto(p: Permissionship): CheckPermissionResponse_Permissionship {
  switch (p) {
    case 'no_permission':
      return CheckPermissionResponse_Permissionship.NO_PERMISSION;
    case 'has_permission':
      return CheckPermissionResponse_Permissionship.HAS_PERMISSION;
    case 'conditional_permission':
      return CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION;
  }
}

export function lookupPermissionshipToProto(p: Exclude<Permissionship, 'no_permission'>): LookupPermissionship {
  return p === 'has_permission' ? LookupPermissionship.HAS_PERMISSION : LookupPermissionship.CONDITIONAL_PERMISSION;
}

export function partialCaveatInfo(missing: readonly string[] | undefined): MessageInitShape<typeof PartialCaveatInfoSchema> | undefined {
  return missing !== undefined && missing.length > 0 ? { missingRequiredContext: [...missing] } : undefined;
}

const TREE_OPS: Record<'union' | 'intersection' | 'exclusion', AlgebraicSubjectSet_Operation> = {
  union: AlgebraicSubjectSet_Operation.UNION,
  intersection: AlgebraicSubjectSet_Operation.INTERSECTION,
  exclusion: AlgebraicSubjectSet_Operation.EXCLUSION,
};

export function expandTreeToProto(t: ExpandTree): MessageInitShape<typeof PermissionRelationshipTreeSchema> {
  const common = { expandedObject: objectToProto(t.expanded), expandedRelation: t.relation };
  if (t.kind === 'leaf') {
    return { ...common, treeType: { case: 'leaf', value: { subjects: t.subjects.map((s) => subjectToProto(s)) } } };
  }
  return {
    ...common,
    treeType: { case: 'intermediate', value: { operation: TREE_OPS[t.operation], children: t.children.map(expandTreeToProto) } },
  };
}

const TRACE_RESULT: Record<Permissionship, CheckDebugTrace_Permissionship> = {
  no_permission: CheckDebugTrace_Permissionship.NO_PERMISSION,
  has_permission: CheckDebugTrace_Permissionship.HAS_PERMISSION,
  conditional_permission: CheckDebugTrace_Permissionship.CONDITIONAL_PERMISSION,
};

const CAVEAT_RESULT = {
  true: CaveatEvalInfo_Result.TRUE,
  false: CaveatEvalInfo_Result.FALSE,
  missing_context: CaveatEvalInfo_Result.MISSING_SOME_CONTEXT,
} as const;

export function traceToProto(t: CheckTrace): MessageInitShape<typeof CheckDebugTraceSchema> {
  const c = t.caveat;
  return {
    resource: objectToProto(t.resource),
    permission: t.permission,
    permissionType: t.permissionType === 'relation' ? CheckDebugTrace_PermissionType.RELATION : CheckDebugTrace_PermissionType.PERMISSION,
    subject: subjectToProto(t.subject),
    result: TRACE_RESULT[t.result],
    duration: durationFromMs(Math.max(0, Math.round(t.durationMs))),
    ...(c
      ? {
          caveatEvaluationInfo: {
            expression: c.expression,
            result: CAVEAT_RESULT[c.result],
            context: c.context as PbJsonObject,
            caveatName: c.name,
            ...(c.missing && c.missing.length > 0 ? { partialCaveatInfo: { missingRequiredContext: [...c.missing] } } : {}),
          },
        }
      : {}),
    // A node either answered from cache or lists the sub-problems it dispatched (oneof resolution).
    resolution: t.wasCached
      ? { case: 'wasCachedResult', value: true }
      : { case: 'subProblems', value: { traces: t.children.map(traceToProto) } },
    source: t.wasCached ? 'cache' : 'trellis',
  };
}
