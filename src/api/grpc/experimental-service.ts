/**
 * ExperimentalService: the deprecated aliases of stable RPCs. Their Exp and Bulk messages are
 * wire-identical copies of the stable ones, so each alias re-reads its request as the stable
 * message, runs the stable handler, and re-reads the answer as the experimental message.
 * Relationship counters are not built and answer UNIMPLEMENTED.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { UnimplementedError } from '../../core/index.js';
import { ExperimentalService } from '../../gen/authzed/api/v1/experimental_service_pb.js';
import { PermissionsService } from '../../gen/authzed/api/v1/permission_service_pb.js';
import { SchemaService } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { permissionsService } from './permissions-service.js';
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

const counters = async (): Promise<never> => {
  throw new UnimplementedError('relationship counters are not supported by Trellis');
};

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
  experimentalRegisterRelationshipCounter: counters,
  experimentalCountRelationships: counters,
  experimentalUnregisterRelationshipCounter: counters,
};
