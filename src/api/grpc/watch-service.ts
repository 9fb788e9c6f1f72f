/** WatchService: streams committed changes in revision order until the client goes away. */
import { RelationshipUpdate_Operation } from '../../gen/authzed/api/v1/core_pb.js';
import type { WatchService } from '../../gen/authzed/api/v1/watch_service_pb.js';
import { WatchKind } from '../../gen/authzed/api/v1/watch_service_pb.js';
import { InvalidArgumentError } from '../../core/index.js';
import type { JsonObject as PbJsonObject } from '@bufbuild/protobuf';
import { filterFromProto, relationshipToProto, zed } from './convert.js';
import type { ServiceImpl } from './service.js';
import { validateToken, validateWatchType } from './validate.js';

type Shape = (typeof WatchService)['method'];
type Methods = { [K in keyof Shape]: Pick<Shape[K], 'input' | 'output' | 'methodKind'> };

export const watchService: ServiceImpl<Methods> = {
  async *watch(req, ctx) {
    const objectTypes = req.optionalObjectTypes.map((t, i) => validateWatchType(t, `optional_object_types[${i}]`));
    const filters = req.optionalRelationshipFilters.map((f, i) => filterFromProto(f, `optional_relationship_filters[${i}]`));
    if (objectTypes.length > 0 && filters.length > 0) {
      throw new InvalidArgumentError('cannot specify both object types and relationship filters');
    }
    const startToken =
      req.optionalStartCursor === undefined ? undefined : validateToken(req.optionalStartCursor.token, 'optional_start_cursor.token');
    const kinds = new Set(req.optionalUpdateKinds);
    // No kinds means relationship updates only, as in SpiceDB.
    const includeRelationships = kinds.size === 0 || kinds.has(WatchKind.INCLUDE_RELATIONSHIP_UPDATES);
    const includeSchema = kinds.has(WatchKind.INCLUDE_SCHEMA_UPDATES);
    const includeCheckpoints = kinds.has(WatchKind.INCLUDE_CHECKPOINTS);
    for await (const ev of ctx.trellis.watch({
      ...(objectTypes.length > 0 ? { objectTypes } : {}),
      ...(filters.length > 0 ? { filters } : {}),
      ...(startToken !== undefined ? { startToken } : {}),
      includeCheckpoints,
      includeSchema,
      signal: AbortSignal.any([ctx.signal, ctx.closing]),
    })) {
      if (ctx.signal.aborted || ctx.closing.aborted) return;
      const updates = includeRelationships
        ? ev.updates.map((u) => ({
            operation: u.operation === 'delete' ? RelationshipUpdate_Operation.DELETE : RelationshipUpdate_Operation.TOUCH,
            relationship: relationshipToProto(u.relationship),
          }))
        : [];
      const schemaUpdated = includeSchema && ev.schemaUpdated === true;
      const isCheckpoint = includeCheckpoints && ev.isCheckpoint === true;
      if (updates.length === 0 && !schemaUpdated && !isCheckpoint) continue;
      yield {
        updates,
        changesThrough: zed(ev.changesThrough),
        ...(ev.metadata !== undefined ? { optionalTransactionMetadata: ev.metadata as PbJsonObject } : {}),
        schemaUpdated,
        isCheckpoint,
      };
    }
  },
};
