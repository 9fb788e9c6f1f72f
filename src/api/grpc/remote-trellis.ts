/**
 * The parts of the Trellis facade the CLI uses, over gRPC: the same domain requests and results
 * as the embedded class, so a command runs unchanged against `--endpoint` or `--datastore`.
 */
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { JsonObject as PbJsonObject } from '@bufbuild/protobuf';
import { ELLIPSIS, type ObjectRef, type Relationship, type RelationshipFilter, type SubjectRef } from '../../core/index.js';
import type {
  CheckRequest,
  CheckResult,
  CheckTrace,
  Consistency,
  ExpandRequest,
  ExpandResult,
  ExpandTree,
  LookupResourcesRequest,
  LookupResourcesResult,
  LookupSubjectsRequest,
  LookupSubjectsResult,
  Permissionship,
} from '../../engine/index.js';
import {
  AlgebraicSubjectSet_Operation,
  RelationshipUpdate_Operation,
  type ObjectReference,
  type PermissionRelationshipTree,
  type Relationship as PbRelationship,
  type SubjectReference,
} from '../../gen/authzed/api/v1/core_pb.js';
import type { CheckDebugTrace_Permissionship } from '../../gen/authzed/api/v1/debug_pb.js';
import { sourceForAllowedType } from '../../schema/index.js';
import { CheckDebugTrace_PermissionType, CaveatEvalInfo_Result, type CheckDebugTrace } from '../../gen/authzed/api/v1/debug_pb.js';
import {
  CheckPermissionResponse_Permissionship,
  DeleteRelationshipsResponse_DeletionProgress,
  LookupPermissionship,
  PermissionsService,
  Precondition_Operation,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import { SchemaService } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { GrpcConnection, type ClientOptions, type ServiceClient } from './client.js';
import { objectToProto, relationshipToProto, subjectToProto } from './convert.js';
import type { DeleteInput, ExportOptions, ExportPage, ReadItem, ReadOptions, WriteInput } from './trellis-port.js';

function consistencyToProto(c: Consistency | undefined):
  | {
      requirement:
        | { case: 'minimizeLatency' | 'fullyConsistent'; value: boolean }
        | { case: 'atLeastAsFresh' | 'atExactSnapshot'; value: { token: string } };
    }
  | undefined {
  if (!c) return undefined;
  switch (c.kind) {
    case 'minimize_latency':
      return { requirement: { case: 'minimizeLatency', value: true } };
    case 'fully_consistent':
      return { requirement: { case: 'fullyConsistent', value: true } };
    case 'at_least_as_fresh':
      return { requirement: { case: 'atLeastAsFresh', value: { token: c.token } } };
    case 'at_exact_snapshot':
      return { requirement: { case: 'atExactSnapshot', value: { token: c.token } } };
  }
}

function filterToProto(f: RelationshipFilter) {
  const s = f.subject;
  return {
    resourceType: f.resourceType ?? '',
    optionalResourceId: f.resourceIds?.[0] ?? '',
    optionalResourceIdPrefix: f.resourceIdPrefix ?? '',
    optionalRelation: f.relation ?? '',
    ...(s
      ? {
          optionalSubjectFilter: {
            subjectType: s.type,
            optionalSubjectId: s.ids?.[0] ?? '',
            ...(s.relation !== undefined ? { optionalRelation: { relation: s.relation === ELLIPSIS ? '' : s.relation } } : {}),
          },
        }
      : {}),
  };
}

function objectFrom(o: ObjectReference | undefined): ObjectRef {
  return { type: o?.objectType ?? '', id: o?.objectId ?? '' };
}

function subjectFrom(s: SubjectReference | undefined): SubjectRef {
  const o = objectFrom(s?.object);
  return s?.optionalRelation ? { ...o, relation: s.optionalRelation } : o;
}

export function relationshipFrom(r: PbRelationship): Relationship {
  const c = r.optionalCaveat;
  return {
    resource: objectFrom(r.resource),
    relation: r.relation,
    subject: subjectFrom(r.subject),
    ...(c && c.caveatName
      ? { caveat: c.context && Object.keys(c.context).length > 0 ? { name: c.caveatName, context: c.context } : { name: c.caveatName } }
      : {}),
    ...(r.optionalExpiresAt ? { expiresAt: timestampDate(r.optionalExpiresAt) } : {}),
  };
}

function permissionshipFrom(p: CheckPermissionResponse_Permissionship | CheckDebugTrace_Permissionship): Permissionship {
  return p === CheckPermissionResponse_Permissionship.HAS_PERMISSION
    ? 'has_permission'
    : p === CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION
      ? 'conditional_permission'
      : 'no_permission';
}

function lookupPermissionshipFrom(p: LookupPermissionship): Exclude<Permissionship, 'no_permission'> {
  return p === LookupPermissionship.CONDITIONAL_PERMISSION ? 'conditional_permission' : 'has_permission';
}

function traceFrom(t: CheckDebugTrace): CheckTrace {
  const c = t.caveatEvaluationInfo;
  const children = t.resolution.case === 'subProblems' ? t.resolution.value.traces.map(traceFrom) : [];
  return {
    resource: objectFrom(t.resource),
    permission: t.permission,
    permissionType: t.permissionType === CheckDebugTrace_PermissionType.RELATION ? 'relation' : 'permission',
    subject: subjectFrom(t.subject),
    result: permissionshipFrom(t.result),
    ...(c
      ? {
          caveat: {
            name: c.caveatName,
            expression: c.expression,
            result:
              c.result === CaveatEvalInfo_Result.TRUE ? 'true' : c.result === CaveatEvalInfo_Result.FALSE ? 'false' : 'missing_context',
            context: (c.context ?? {}) as PbJsonObject,
            ...(c.partialCaveatInfo ? { missing: c.partialCaveatInfo.missingRequiredContext } : {}),
          },
        }
      : {}),
    wasCached: t.resolution.case === 'wasCachedResult',
    durationMs: t.duration ? Number(t.duration.seconds) * 1000 + t.duration.nanos / 1e6 : 0,
    children,
  };
}

const TREE_OPS = {
  [AlgebraicSubjectSet_Operation.UNION]: 'union',
  [AlgebraicSubjectSet_Operation.INTERSECTION]: 'intersection',
  [AlgebraicSubjectSet_Operation.EXCLUSION]: 'exclusion',
} as const;

function treeFrom(t: PermissionRelationshipTree | undefined): ExpandTree {
  const expanded = objectFrom(t?.expandedObject);
  const relation = t?.expandedRelation ?? '';
  const tt = t?.treeType;
  if (tt?.case === 'intermediate') {
    const op = TREE_OPS[tt.value.operation as keyof typeof TREE_OPS] ?? 'union';
    return { kind: 'intermediate', operation: op, children: tt.value.children.map(treeFrom), expanded, relation };
  }
  return { kind: 'leaf', subjects: tt?.case === 'leaf' ? tt.value.subjects.map(subjectFrom) : [], expanded, relation };
}

export class RemoteTrellis {
  private readonly conn: GrpcConnection;
  private readonly permissions: ServiceClient<(typeof PermissionsService)['method']>;
  private readonly schemas: ServiceClient<(typeof SchemaService)['method']>;

  constructor(endpoint: string, options: ClientOptions = {}) {
    this.conn = new GrpcConnection(endpoint, options);
    this.permissions = this.conn.service(PermissionsService);
    this.schemas = this.conn.service(SchemaService);
  }

  async writeSchema(text: string): Promise<{ writtenAt: string }> {
    const r = await this.schemas.writeSchema({ schema: text });
    return { writtenAt: r.writtenAt?.token ?? '' };
  }

  async readSchema(): Promise<{ text: string; readAt: string }> {
    const r = await this.schemas.readSchema({});
    return { text: r.schemaText, readAt: r.readAt?.token ?? '' };
  }

  /** DiffSchema as `kind name` lines, e.g. `relation_added document#viewer`. */
  async diffSchema(text: string): Promise<string[]> {
    const r = await this.schemas.diffSchema({ comparisonSchema: text });
    return r.diffs.map((d) => {
      const v = d.diff;
      const kind = (v.case ?? 'unknown').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      switch (v.case) {
        case 'relationAdded':
        case 'relationRemoved':
        case 'relationDocCommentChanged':
        case 'permissionAdded':
        case 'permissionRemoved':
        case 'permissionDocCommentChanged':
        case 'permissionExprChanged':
          return `${kind} ${v.value.parentDefinitionName}#${v.value.name}`;
        case 'relationSubjectTypeAdded':
        case 'relationSubjectTypeRemoved': {
          const t = v.value.changedSubjectType;
          // Expiration is not on the wire, so the local path prints without it too.
          const subject = sourceForAllowedType({
            type: t?.subjectDefinitionName ?? '',
            wildcard: t?.typeref.case === 'isPublicWildcard',
            expiration: false,
            ...(t?.typeref.case === 'optionalRelationName' ? { relation: t.typeref.value } : {}),
            ...(t?.optionalCaveatName ? { caveat: t.optionalCaveatName } : {}),
          });
          return `${kind} ${v.value.relation?.parentDefinitionName ?? ''}#${v.value.relation?.name ?? ''} ${subject}`;
        }
        case 'caveatParameterAdded':
        case 'caveatParameterRemoved':
          return `${kind} ${v.value.parentCaveatName}.${v.value.name}`;
        case 'caveatParameterTypeChanged':
          return `${kind} ${v.value.parameter?.parentCaveatName ?? ''}.${v.value.parameter?.name ?? ''} ${v.value.previousType} -> ${v.value.parameter?.type ?? ''}`;
        case undefined:
          return kind;
        default:
          return `${kind} ${v.value.name}`;
      }
    });
  }

  async write(input: WriteInput): Promise<{ writtenAt: string }> {
    const ops = {
      create: RelationshipUpdate_Operation.CREATE,
      touch: RelationshipUpdate_Operation.TOUCH,
      delete: RelationshipUpdate_Operation.DELETE,
    };
    const r = await this.permissions.writeRelationships({
      updates: input.updates.map((u) => ({ operation: ops[u.operation], relationship: relationshipToProto(u.relationship) })),
      optionalPreconditions: (input.preconditions ?? []).map((p) => ({
        operation: p.operation === 'must_match' ? Precondition_Operation.MUST_MATCH : Precondition_Operation.MUST_NOT_MATCH,
        filter: filterToProto(p.filter),
      })),
    });
    return { writtenAt: r.writtenAt?.token ?? '' };
  }

  async deleteRelationships(
    filter: RelationshipFilter,
    options: DeleteInput = {},
  ): Promise<{ deletedAt: string; deleted: number; complete: boolean }> {
    const r = await this.permissions.deleteRelationships({
      relationshipFilter: filterToProto(filter),
      optionalLimit: options.limit ?? 0,
      optionalAllowPartialDeletions: options.allowPartial ?? false,
    });
    return {
      deletedAt: r.deletedAt?.token ?? '',
      deleted: Number(r.relationshipsDeletedCount),
      complete: r.deletionProgress !== DeleteRelationshipsResponse_DeletionProgress.PARTIAL,
    };
  }

  async *read(filter: RelationshipFilter, options: ReadOptions = {}): AsyncIterable<ReadItem> {
    const consistency = consistencyToProto(options.consistency);
    for await (const r of this.permissions.readRelationships({
      relationshipFilter: filterToProto(filter),
      optionalLimit: options.limit ?? 0,
      ...(consistency ? { consistency } : {}),
      ...(options.cursor ? { optionalCursor: { token: options.cursor } } : {}),
    })) {
      if (!r.relationship) continue;
      yield {
        relationship: relationshipFrom(r.relationship),
        readAt: r.readAt?.token ?? '',
        afterResultCursor: r.afterResultCursor?.token ?? '',
      };
    }
  }

  async importRelationships(source: AsyncIterable<readonly Relationship[]>): Promise<{ loaded: number }> {
    async function* requests() {
      for await (const batch of source) yield { relationships: batch.map(relationshipToProto) };
    }
    const r = await this.permissions.importBulkRelationships(requests());
    return { loaded: Number(r.numLoaded) };
  }

  async *exportRelationships(options: ExportOptions = {}): AsyncIterable<ExportPage> {
    const consistency = consistencyToProto(options.consistency);
    for await (const page of this.permissions.exportBulkRelationships({
      optionalLimit: options.pageSize ?? 0,
      ...(options.filter ? { optionalRelationshipFilter: filterToProto(options.filter) } : {}),
      ...(consistency ? { consistency } : {}),
      ...(options.cursor ? { optionalCursor: { token: options.cursor } } : {}),
    })) {
      yield { relationships: page.relationships.map(relationshipFrom), afterResultCursor: page.afterResultCursor?.token ?? '' };
    }
  }

  async check(req: CheckRequest): Promise<CheckResult> {
    const consistency = consistencyToProto(req.consistency);
    const r = await this.permissions.checkPermission({
      resource: objectToProto(req.resource),
      permission: req.permission,
      subject: subjectToProto(req.subject),
      withTracing: req.trace ?? false,
      ...(req.context ? { context: req.context as PbJsonObject } : {}),
      ...(consistency ? { consistency } : {}),
    });
    const trace = r.debugTrace?.check;
    return {
      permissionship: permissionshipFrom(r.permissionship),
      ...(r.partialCaveatInfo ? { missingContext: r.partialCaveatInfo.missingRequiredContext } : {}),
      checkedAt: r.checkedAt?.token ?? '',
      revision: 0,
      ...(trace ? { trace: traceFrom(trace) } : {}),
    };
  }

  async expand(req: ExpandRequest): Promise<ExpandResult> {
    const consistency = consistencyToProto(req.consistency);
    const r = await this.permissions.expandPermissionTree({
      resource: objectToProto(req.resource),
      permission: req.permission,
      ...(consistency ? { consistency } : {}),
    });
    return { expandedAt: r.expandedAt?.token ?? '', tree: treeFrom(r.treeRoot) };
  }

  async *lookupResources(req: LookupResourcesRequest): AsyncIterable<LookupResourcesResult> {
    const consistency = consistencyToProto(req.consistency);
    for await (const r of this.permissions.lookupResources({
      resourceObjectType: req.resourceType,
      permission: req.permission,
      subject: subjectToProto(req.subject),
      optionalLimit: req.limit ?? 0,
      ...(req.context ? { context: req.context as PbJsonObject } : {}),
      ...(consistency ? { consistency } : {}),
      ...(req.cursor ? { optionalCursor: { token: req.cursor } } : {}),
    })) {
      yield {
        resourceId: r.resourceObjectId,
        permissionship: lookupPermissionshipFrom(r.permissionship),
        ...(r.partialCaveatInfo ? { missingContext: r.partialCaveatInfo.missingRequiredContext } : {}),
        lookedUpAt: r.lookedUpAt?.token ?? '',
        afterResultCursor: r.afterResultCursor?.token ?? '',
      };
    }
  }

  async *lookupSubjects(req: LookupSubjectsRequest): AsyncIterable<LookupSubjectsResult> {
    const consistency = consistencyToProto(req.consistency);
    for await (const r of this.permissions.lookupSubjects({
      resource: objectToProto(req.resource),
      permission: req.permission,
      subjectObjectType: req.subjectType,
      optionalSubjectRelation: req.subjectRelation ?? '',
      ...(req.context ? { context: req.context as PbJsonObject } : {}),
      ...(consistency ? { consistency } : {}),
    })) {
      const s = r.subject;
      const resolve = (x: {
        subjectObjectId: string;
        permissionship: LookupPermissionship;
        partialCaveatInfo?: { missingRequiredContext: string[] } | undefined;
      }) => ({
        id: x.subjectObjectId,
        permissionship: lookupPermissionshipFrom(x.permissionship),
        ...(x.partialCaveatInfo ? { missingContext: x.partialCaveatInfo.missingRequiredContext } : {}),
      });
      yield {
        subject: s ? resolve(s) : { id: r.subjectObjectId, permissionship: lookupPermissionshipFrom(r.permissionship) },
        excluded: r.excludedSubjects.map(resolve),
        lookedUpAt: r.lookedUpAt?.token ?? '',
      };
    }
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}
