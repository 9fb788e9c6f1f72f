/** PermissionsService: validate, translate to the engine's requests, call Trellis, translate back. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  DefinitionNotFoundError,
  SchemaNotFoundError,
  UnimplementedError,
  WildcardNotAllowedError,
  type Relationship,
} from '../../core/index.js';
import type { BulkCheckItem, CheckTrace } from '../../engine/index.js';
import type { PermissionsService } from '../../gen/authzed/api/v1/permission_service_pb.js';
import {
  DeleteRelationshipsResponse_DeletionProgress,
  type CheckBulkPermissionsPairSchema,
  type CheckBulkPermissionsRequest,
  type CheckBulkPermissionsRequestItem,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import type { DebugInformationSchema as DebugInfo } from '../../gen/authzed/api/v1/debug_pb.js';
import {
  checkPermissionshipToProto,
  consistencyFromProto,
  contextFromProto,
  cursorFromProto,
  expandTreeToProto,
  filterFromProto,
  lookupPermissionshipToProto,
  objectFromProto,
  partialCaveatInfo,
  preconditionFromProto,
  relationshipFromProto,
  relationshipToProto,
  subjectFromProto,
  traceToProto,
  updateFromProto,
  zed,
} from './convert.js';
import { toGrpcStatus, toStatusMessage } from './errors.js';
import type { CallContext, ServiceImpl } from './service.js';
import type { TrellisPort } from './trellis-port.js';
import { validateOptionalRelationName, validateRelationName, validateTypeName } from './validate.js';

type Shape = (typeof PermissionsService)['method'];
type Methods = { [K in keyof Shape]: Pick<Shape[K], 'input' | 'output' | 'methodKind'> };

export async function debugInformation(trellis: TrellisPort, trace: CheckTrace): Promise<MessageInitShape<typeof DebugInfo>> {
  let schemaUsed = '';
  try {
    schemaUsed = (await trellis.readSchema()).text;
  } catch {
    // The trace is still useful without the schema text.
  }
  return { check: traceToProto(trace), schemaUsed };
}

/**
 * Before any schema is written every definition is unknown: SpiceDB answers permission and
 * relationship calls with UNKNOWN_DEFINITION (FAILED_PRECONDITION), keeping NOT_FOUND for ReadSchema.
 */
export async function noSchemaAsUnknown<T>(definition: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof SchemaNotFoundError && definition) throw new DefinitionNotFoundError(definition);
    throw e;
  }
}

async function* streamNoSchemaAsUnknown<T>(definition: string | undefined, source: AsyncIterable<T>): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await noSchemaAsUnknown(definition, () => it.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}

function rejectWildcardSubject(id: string, what: string): void {
  if (id === '*') throw new WildcardNotAllowedError('subject.object.object_id', what);
}

/** Validates and converts bulk check items (shared with ExperimentalService.BulkCheckPermission). */
export function bulkItemsFromProto(
  items: readonly Pick<CheckBulkPermissionsRequestItem, 'resource' | 'permission' | 'subject' | 'context'>[],
): BulkCheckItem[] {
  return items.map((it, i) => {
    const field = `items[${i}]`;
    const context = contextFromProto(it.context);
    return {
      resource: objectFromProto(it.resource, `${field}.resource`),
      permission: validateRelationName(it.permission, `${field}.permission`),
      subject: subjectFromProto(it.subject, `${field}.subject`),
      ...(context !== undefined ? { context } : {}),
    };
  });
}

async function checkBulk(
  req: Pick<CheckBulkPermissionsRequest, 'consistency' | 'items' | 'withTracing'>,
  ctx: CallContext,
): Promise<{ checkedAt: { token: string }; pairs: MessageInitShape<typeof CheckBulkPermissionsPairSchema>[] }> {
  const consistency = consistencyFromProto(req.consistency);
  const items = bulkItemsFromProto(req.items);
  const result = await noSchemaAsUnknown(items[0]?.resource.type, () =>
    ctx.trellis.checkBulk({
      items,
      ...(consistency ? { consistency } : {}),
      ...(req.withTracing ? { trace: true } : {}),
    }),
  );
  const pairs: MessageInitShape<typeof CheckBulkPermissionsPairSchema>[] = [];
  for (let i = 0; i < result.results.length; i++) {
    const r = result.results[i];
    const request = req.items[i];
    if (!r || !request) continue;
    if (r.ok) {
      const info = partialCaveatInfo(r.missingContext);
      pairs.push({
        request,
        response: {
          case: 'item',
          value: {
            permissionship: checkPermissionshipToProto(r.permissionship),
            ...(info ? { partialCaveatInfo: info } : {}),
            ...(r.trace ? { debugTrace: await debugInformation(ctx.trellis, r.trace) } : {}),
          },
        },
      });
    } else {
      pairs.push({ request, response: { case: 'error', value: toStatusMessage(toGrpcStatus(r.error)) } });
    }
  }
  return { checkedAt: zed(result.checkedAt), pairs };
}
export { checkBulk as checkBulkPermissions };

/** Converts client-streamed import batches lazily, so a bad relationship fails the import where it is. */
export async function* importBatches(
  requests: AsyncIterable<{ relationships: readonly Parameters<typeof relationshipFromProto>[0][] }>,
): AsyncIterable<readonly Relationship[]> {
  for await (const req of requests) {
    yield req.relationships.map((r, i) => relationshipFromProto(r, `relationships[${i}]`));
  }
}

export const permissionsService: ServiceImpl<Methods> = {
  async *readRelationships(req, ctx) {
    const filter = filterFromProto(req.relationshipFilter, 'relationship_filter');
    const consistency = consistencyFromProto(req.consistency);
    const cursor = cursorFromProto(req.optionalCursor, 'optional_cursor');
    for await (const item of streamNoSchemaAsUnknown(
      filter.resourceType,
      ctx.trellis.read(filter, {
        ...(consistency ? { consistency } : {}),
        ...(req.optionalLimit > 0 ? { limit: req.optionalLimit } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    )) {
      ctx.throwIfAborted();
      yield {
        readAt: zed(item.readAt),
        relationship: relationshipToProto(item.relationship),
        afterResultCursor: { token: item.afterResultCursor },
      };
    }
  },

  async writeRelationships(req, ctx) {
    const updates = req.updates.map((u, i) => updateFromProto(u, `updates[${i}]`));
    const preconditions = req.optionalPreconditions.map((p, i) => preconditionFromProto(p, `optional_preconditions[${i}]`));
    const metadata = contextFromProto(req.optionalTransactionMetadata);
    const { writtenAt } = await noSchemaAsUnknown(updates[0]?.relationship.resource.type ?? preconditions[0]?.filter.resourceType, () =>
      ctx.trellis.write({
        updates,
        ...(preconditions.length > 0 ? { preconditions } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      }),
    );
    return { writtenAt: zed(writtenAt) };
  },

  async deleteRelationships(req, ctx) {
    const filter = filterFromProto(req.relationshipFilter, 'relationship_filter');
    const preconditions = req.optionalPreconditions.map((p, i) => preconditionFromProto(p, `optional_preconditions[${i}]`));
    const metadata = contextFromProto(req.optionalTransactionMetadata);
    const r = await noSchemaAsUnknown(filter.resourceType, () =>
      ctx.trellis.deleteRelationships(filter, {
        ...(preconditions.length > 0 ? { preconditions } : {}),
        ...(req.optionalLimit > 0 ? { limit: req.optionalLimit } : {}),
        ...(req.optionalAllowPartialDeletions ? { allowPartial: true } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      }),
    );
    return {
      deletedAt: zed(r.deletedAt),
      deletionProgress: r.complete
        ? DeleteRelationshipsResponse_DeletionProgress.COMPLETE
        : DeleteRelationshipsResponse_DeletionProgress.PARTIAL,
      relationshipsDeletedCount: BigInt(r.deleted),
    };
  },

  async checkPermission(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const resource = objectFromProto(req.resource, 'resource');
    const permission = validateRelationName(req.permission, 'permission');
    const subject = subjectFromProto(req.subject, 'subject');
    rejectWildcardSubject(subject.id, 'check');
    const context = contextFromProto(req.context);
    const r = await noSchemaAsUnknown(resource.type, () =>
      ctx.trellis.check({
        resource,
        permission,
        subject,
        ...(context !== undefined ? { context } : {}),
        ...(consistency ? { consistency } : {}),
        ...(req.withTracing ? { trace: true } : {}),
      }),
    );
    const info = partialCaveatInfo(r.missingContext);
    return {
      checkedAt: zed(r.checkedAt),
      permissionship: checkPermissionshipToProto(r.permissionship),
      ...(info ? { partialCaveatInfo: info } : {}),
      ...(r.trace ? { debugTrace: await debugInformation(ctx.trellis, r.trace) } : {}),
    };
  },

  async checkBulkPermissions(req, ctx) {
    return checkBulk(req, ctx);
  },

  async expandPermissionTree(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const resource = objectFromProto(req.resource, 'resource');
    const permission = validateRelationName(req.permission, 'permission');
    const r = await noSchemaAsUnknown(resource.type, () =>
      ctx.trellis.expand({ resource, permission, ...(consistency ? { consistency } : {}) }),
    );
    return { expandedAt: zed(r.expandedAt), treeRoot: expandTreeToProto(r.tree) };
  },

  async *lookupResources(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const resourceType = validateTypeName(req.resourceObjectType, 'resource_object_type');
    const permission = validateRelationName(req.permission, 'permission');
    const subject = subjectFromProto(req.subject, 'subject');
    rejectWildcardSubject(subject.id, 'lookup resources');
    const context = contextFromProto(req.context);
    const cursor = cursorFromProto(req.optionalCursor, 'optional_cursor');
    for await (const r of streamNoSchemaAsUnknown(
      resourceType,
      ctx.trellis.lookupResources({
        resourceType,
        permission,
        subject,
        ...(context !== undefined ? { context } : {}),
        ...(consistency ? { consistency } : {}),
        ...(req.optionalLimit > 0 ? { limit: req.optionalLimit } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    )) {
      ctx.throwIfAborted();
      const info = partialCaveatInfo(r.missingContext);
      yield {
        lookedUpAt: zed(r.lookedUpAt),
        resourceObjectId: r.resourceId,
        permissionship: lookupPermissionshipToProto(r.permissionship),
        ...(info ? { partialCaveatInfo: info } : {}),
        afterResultCursor: { token: r.afterResultCursor },
      };
    }
  },

  async *lookupSubjects(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const resource = objectFromProto(req.resource, 'resource');
    const permission = validateRelationName(req.permission, 'permission');
    const subjectType = validateTypeName(req.subjectObjectType, 'subject_object_type');
    const subjectRelation = validateOptionalRelationName(req.optionalSubjectRelation, 'optional_subject_relation');
    if (req.optionalConcreteLimit !== 0) throw new UnimplementedError('concrete limit is not yet supported');
    if (req.optionalCursor !== undefined) throw new UnimplementedError('cursor is not yet supported');
    const context = contextFromProto(req.context);
    for await (const r of streamNoSchemaAsUnknown(
      resource.type,
      ctx.trellis.lookupSubjects({
        resource,
        permission,
        subjectType,
        ...(subjectRelation !== undefined ? { subjectRelation } : {}),
        ...(context !== undefined ? { context } : {}),
        ...(consistency ? { consistency } : {}),
      }),
    )) {
      ctx.throwIfAborted();
      const info = partialCaveatInfo(r.subject.missingContext);
      const permissionship = lookupPermissionshipToProto(r.subject.permissionship);
      const excluded = r.excluded.map((e) => {
        const ei = partialCaveatInfo(e.missingContext);
        return {
          subjectObjectId: e.id,
          permissionship: lookupPermissionshipToProto(e.permissionship),
          ...(ei ? { partialCaveatInfo: ei } : {}),
        };
      });
      // The deprecated flat fields (2-5) are still filled, as SpiceDB does, for older clients.
      yield {
        lookedUpAt: zed(r.lookedUpAt),
        subjectObjectId: r.subject.id,
        excludedSubjectIds: r.excluded.map((e) => e.id),
        permissionship,
        ...(info ? { partialCaveatInfo: info } : {}),
        subject: { subjectObjectId: r.subject.id, permissionship, ...(info ? { partialCaveatInfo: info } : {}) },
        excludedSubjects: excluded,
      };
    }
  },

  async importBulkRelationships(requests, ctx) {
    let firstType: string | undefined;
    async function* remember(batches: AsyncIterable<readonly Relationship[]>): AsyncIterable<readonly Relationship[]> {
      for await (const b of batches) {
        firstType ??= b[0]?.resource.type;
        yield b;
      }
    }
    try {
      const { loaded } = await ctx.trellis.importRelationships(remember(importBatches(requests)));
      return { numLoaded: BigInt(loaded) };
    } catch (e) {
      if (e instanceof SchemaNotFoundError && firstType) throw new DefinitionNotFoundError(firstType);
      throw e;
    }
  },

  async *exportBulkRelationships(req, ctx) {
    const consistency = consistencyFromProto(req.consistency);
    const cursor = cursorFromProto(req.optionalCursor, 'optional_cursor');
    const filter =
      req.optionalRelationshipFilter === undefined
        ? undefined
        : filterFromProto(req.optionalRelationshipFilter, 'optional_relationship_filter');
    for await (const page of ctx.trellis.exportRelationships({
      ...(filter !== undefined ? { filter } : {}),
      ...(consistency ? { consistency } : {}),
      ...(req.optionalLimit > 0 ? { pageSize: req.optionalLimit } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    })) {
      ctx.throwIfAborted();
      yield { afterResultCursor: { token: page.afterResultCursor }, relationships: page.relationships.map(relationshipToProto) };
    }
  },
};
