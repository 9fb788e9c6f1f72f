/** SchemaService: read and write the schema text, and reflect, diff and walk the compiled schema. */
import type { SchemaService } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { consistencyFromProto, zed } from './convert.js';
import { reflectSchema } from './reflection.js';
import { schemaTools } from './schema-tools.js';
import type { ServiceImpl } from './service.js';
import { validateSchemaSize } from './validate.js';

type Shape = (typeof SchemaService)['method'];
type Methods = { [K in keyof Shape]: Pick<Shape[K], 'input' | 'output' | 'methodKind'> };

export const schemaService: ServiceImpl<Methods> = {
  async readSchema(_req, ctx) {
    // ReadSchema always reads at head (reference §5.6).
    const r = await ctx.trellis.readSchema({ kind: 'fully_consistent' });
    return { schemaText: r.text, readAt: zed(r.readAt) };
  },

  async writeSchema(req, ctx) {
    const { writtenAt } = await ctx.trellis.writeSchema(validateSchemaSize(req.schema));
    return { writtenAt: zed(writtenAt) };
  },

  async reflectSchema(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const { schema, readAt } = await ctx.trellis.schema(consistency);
    const filters = req.optionalFilters.map((f) => ({
      definition: f.optionalDefinitionNameFilter,
      caveat: f.optionalCaveatNameFilter,
      relation: f.optionalRelationNameFilter,
      permission: f.optionalPermissionNameFilter,
    }));
    return { ...reflectSchema(schema, filters), readAt: zed(readAt) };
  },

  async computablePermissions(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const { schema, readAt } = await ctx.trellis.schema(consistency);
    const permissions = schemaTools.computablePermissions(schema, req.definitionName, req.relationName, req.optionalDefinitionNameFilter);
    return { permissions, readAt: zed(readAt) };
  },

  async dependentRelations(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const { schema, readAt } = await ctx.trellis.schema(consistency);
    return { relations: schemaTools.dependentRelations(schema, req.definitionName, req.permissionName), readAt: zed(readAt) };
  },

  async diffSchema(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const { schema, readAt } = await ctx.trellis.schema(consistency);
    return { diffs: schemaTools.diff(schema, validateSchemaSize(req.comparisonSchema)), readAt: zed(readAt) };
  },
};
