/**
 * ExperimentalService: the deprecated aliases of stable RPCs. Their Exp and Bulk messages are
 * wire-identical copies of the stable ones, so each alias re-reads its request as the stable
 * message, runs the stable handler, and re-reads the answer as the experimental message.
 * Relationship counters are registered in the datastore and counted on request, at the head
 * revision, so a count is never "still calculating".
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { ExperimentalService } from '../../gen/authzed/api/v1/experimental_service_pb.js';
import { PermissionsService } from '../../gen/authzed/api/v1/permission_service_pb.js';
import { SchemaService } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { filterFromProto, zed } from './convert.js';
import { noSchemaAsUnknown, permissionsService } from './permissions-service.js';
import { requireMessage } from './validate.js';
import { schemaService } from './schema-service.js';
import type { CallContext, ServiceImpl } from './service.js';

type Shape = (typeof ExperimentalService)['method'];
type Methods = { [K in keyof Shape]: Pick<Shape[K], 'input' | 'output' | 'methodKind'> };

function recast<From extends DescMessage, To extends DescMessage>(from: From, to: To, msg: MessageShape<From>): MessageShape<To> {
  return fromBinary(to, toBinary(from, msg));
}

function recastInit<From extends DescMessage, To extends DescMessage>(
  from: From,
  to: To,
  init: MessageInitShape<From>,
): MessageInitShape<To> {
  return recast(from, to, create(from, init)) as MessageInitShape<To>;
}

const P = PermissionsService.method;
const S = SchemaService.method;
const E = ExperimentalService.method;

function unaryAlias<SI extends DescMessage, SO extends DescMessage, EI extends DescMessage, EO extends DescMessage>(
  stable: { input: SI; output: SO },
  exp: { input: EI; output: EO },
  run: (req: MessageShape<SI>, ctx: CallContext) => Promise<MessageInitShape<SO>>,
): (req: MessageShape<EI>, ctx: CallContext) => Promise<MessageInitShape<EO>> {
  return async (req, ctx) => recastInit(stable.output, exp.output, await run(recast(exp.input, stable.input, req), ctx));
}

export const experimentalService: ServiceImpl<Methods> = {
  async bulkImportRelationships(requests, ctx) {
    async function* stable(): AsyncIterable<MessageShape<typeof P.importBulkRelationships.input>> {
      for await (const r of requests) yield recast(E.bulkImportRelationships.input, P.importBulkRelationships.input, r);
    }
    const out = await permissionsService.importBulkRelationships(stable(), ctx);
    return recastInit(P.importBulkRelationships.output, E.bulkImportRelationships.output, out);
  },
  async *bulkExportRelationships(req, ctx) {
    const stableReq = recast(E.bulkExportRelationships.input, P.exportBulkRelationships.input, req);
    for await (const page of permissionsService.exportBulkRelationships(stableReq, ctx)) {
      yield recastInit(P.exportBulkRelationships.output, E.bulkExportRelationships.output, page);
    }
  },
  bulkCheckPermission: unaryAlias(P.checkBulkPermissions, E.bulkCheckPermission, (req, ctx) =>
    permissionsService.checkBulkPermissions({ ...req, withTracing: false }, ctx),
  ),
  experimentalReflectSchema: unaryAlias(S.reflectSchema, E.experimentalReflectSchema, (req, ctx) => schemaService.reflectSchema(req, ctx)),
  experimentalComputablePermissions: unaryAlias(S.computablePermissions, E.experimentalComputablePermissions, (req, ctx) =>
    schemaService.computablePermissions(req, ctx),
  ),
  experimentalDependentRelations: unaryAlias(S.dependentRelations, E.experimentalDependentRelations, (req, ctx) =>
    schemaService.dependentRelations(req, ctx),
  ),
  experimentalDiffSchema: unaryAlias(S.diffSchema, E.experimentalDiffSchema, (req, ctx) => schemaService.diffSchema(req, ctx)),
  async experimentalRegisterRelationshipCounter(req, ctx) {
    const filter = filterFromProto(requireMessage(req.relationshipFilter, 'relationship_filter'), 'relationship_filter');
    await noSchemaAsUnknown(filter.resourceType, () => ctx.trellis.registerCounter(req.name, filter));
    return {};
  },
  async experimentalCountRelationships(req, ctx) {
    const r = await ctx.trellis.countRelationships(req.name);
    return { counterResult: { case: 'readCounterValue', value: { relationshipCount: BigInt(r.count), readAt: zed(r.readAt) } } };
  },
  async experimentalUnregisterRelationshipCounter(req, ctx) {
    await ctx.trellis.unregisterCounter(req.name);
    return {};
  },
};
