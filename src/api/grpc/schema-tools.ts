/**
 * The schema-layer helpers SchemaService needs beyond reflection (diff, computable permissions,
 * dependent relations), translated to reflection messages.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { UnimplementedError } from '../../core/index.js';
import type { Schema } from '../../schema/index.js';
import type { ReflectionRelationReferenceSchema, ReflectionSchemaDiffSchema } from '../../gen/authzed/api/v1/schema_service_pb.js';

export type RelationReferenceInit = MessageInitShape<typeof ReflectionRelationReferenceSchema>;
export type SchemaDiffInit = MessageInitShape<typeof ReflectionSchemaDiffSchema>;

export const schemaTools = {
  computablePermissions(_schema: Schema, _definition: string, _relation: string, _definitionFilter: string): RelationReferenceInit[] {
    throw new UnimplementedError('ComputablePermissions is not available yet');
  },
  dependentRelations(_schema: Schema, _definition: string, _permission: string): RelationReferenceInit[] {
    throw new UnimplementedError('DependentRelations is not available yet');
  },
  diff(_schema: Schema, _comparison: string): SchemaDiffInit[] {
    throw new UnimplementedError('DiffSchema is not available yet');
  },
};
