/**
 * The schema-layer helpers SchemaService needs beyond reflection (diff, computable permissions,
 * dependent relations), translated to reflection messages.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  compileSchemaOrThrow,
  computablePermissions,
  dependentRelations,
  diffSchemas,
  type RelationReference,
  type Schema,
  type SchemaDiff,
  type Relation,
  type Permission,
} from '../../schema/index.js';
import type { ReflectionRelationReferenceSchema, ReflectionSchemaDiffSchema } from '../../gen/authzed/api/v1/schema_service_pb.js';
import {
  caveatToProto,
  definitionToProto,
  typeReferenceToProto,
  type ReflectionPermissionInit,
  type ReflectionRelationInit,
} from './reflection.js';

export type RelationReferenceInit = MessageInitShape<typeof ReflectionRelationReferenceSchema>;
export type SchemaDiffInit = MessageInitShape<typeof ReflectionSchemaDiffSchema>;

function refToProto(r: RelationReference): RelationReferenceInit {
  return { definitionName: r.definition, relationName: r.relation, isPermission: r.isPermission };
}

function relationInit(r: Relation): ReflectionRelationInit {
  return {
    name: r.name,
    comment: r.comment ?? '',
    parentDefinitionName: r.definition,
    subjectTypes: r.allowedTypes.map(typeReferenceToProto),
  };
}

function permissionInit(p: Permission): ReflectionPermissionInit {
  return { name: p.name, comment: p.comment ?? '', parentDefinitionName: p.definition };
}

export function diffToProto(d: SchemaDiff): SchemaDiffInit {
  switch (d.kind) {
    case 'definition_added':
      return { diff: { case: 'definitionAdded', value: definitionToProto(d.definition) } };
    case 'definition_removed':
      return { diff: { case: 'definitionRemoved', value: definitionToProto(d.definition) } };
    case 'definition_doc_comment_changed':
      return { diff: { case: 'definitionDocCommentChanged', value: definitionToProto(d.definition) } };
    case 'relation_added':
      return { diff: { case: 'relationAdded', value: relationInit(d.relation) } };
    case 'relation_removed':
      return { diff: { case: 'relationRemoved', value: relationInit(d.relation) } };
    case 'relation_doc_comment_changed':
      return { diff: { case: 'relationDocCommentChanged', value: relationInit(d.relation) } };
    case 'relation_subject_type_added':
      return {
        diff: {
          case: 'relationSubjectTypeAdded',
          value: { relation: relationInit(d.relation), changedSubjectType: typeReferenceToProto(d.subjectType) },
        },
      };
    case 'relation_subject_type_removed':
      return {
        diff: {
          case: 'relationSubjectTypeRemoved',
          value: { relation: relationInit(d.relation), changedSubjectType: typeReferenceToProto(d.subjectType) },
        },
      };
    case 'permission_added':
      return { diff: { case: 'permissionAdded', value: permissionInit(d.permission) } };
    case 'permission_removed':
      return { diff: { case: 'permissionRemoved', value: permissionInit(d.permission) } };
    case 'permission_doc_comment_changed':
      return { diff: { case: 'permissionDocCommentChanged', value: permissionInit(d.permission) } };
    case 'permission_expr_changed':
      return { diff: { case: 'permissionExprChanged', value: permissionInit(d.permission) } };
    case 'caveat_added':
      return { diff: { case: 'caveatAdded', value: caveatToProto(d.caveat) } };
    case 'caveat_removed':
      return { diff: { case: 'caveatRemoved', value: caveatToProto(d.caveat) } };
    case 'caveat_doc_comment_changed':
      return { diff: { case: 'caveatDocCommentChanged', value: caveatToProto(d.caveat) } };
    case 'caveat_expr_changed':
      return { diff: { case: 'caveatExprChanged', value: caveatToProto(d.caveat) } };
    case 'caveat_parameter_added':
      return { diff: { case: 'caveatParameterAdded', value: { name: d.parameter, type: d.type, parentCaveatName: d.caveat } } };
    case 'caveat_parameter_removed':
      return { diff: { case: 'caveatParameterRemoved', value: { name: d.parameter, type: d.type, parentCaveatName: d.caveat } } };
    case 'caveat_parameter_type_changed':
      return {
        diff: {
          case: 'caveatParameterTypeChanged',
          value: { parameter: { name: d.parameter, type: d.type, parentCaveatName: d.caveat }, previousType: d.previousType },
        },
      };
  }
}

export const schemaTools = {
  computablePermissions(schema: Schema, definition: string, relation: string, definitionFilter: string): RelationReferenceInit[] {
    return computablePermissions(schema, definition, relation, definitionFilter === '' ? undefined : definitionFilter).map(refToProto);
  },
  dependentRelations(schema: Schema, definition: string, permission: string): RelationReferenceInit[] {
    return dependentRelations(schema, definition, permission).map(refToProto);
  },
  /** Diffs the stored schema against `comparison` (what would change if it were written). */
  diff(schema: Schema, comparison: string): SchemaDiffInit[] {
    return diffSchemas(schema, compileSchemaOrThrow(comparison)).map(diffToProto);
  },
};
