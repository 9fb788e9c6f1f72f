/**
 * The one table from Trellis errors to gRPC statuses (SpiceDB `internal/services/shared/errors.go`):
 * code, message, and a google.rpc.ErrorInfo{domain:"authzed.com", reason, metadata} packed into
 * `grpc-status-details-bin`. Anything that is not a TrellisError is an internal error: the client
 * gets a generic message and the real one goes to the log.
 */
import { Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  CannotUpdatePermissionError,
  CaveatEvaluationError,
  CaveatNotFoundError,
  CaveatParameterTypeError,
  ContextTooLargeError,
  DatastoreUnavailableError,
  DefinitionNotFoundError,
  DuplicateUpdateError,
  EmptyPreconditionError,
  ExceedsMaximumLimitError,
  InvalidArgumentError,
  InvalidCursorError,
  InvalidFilterError,
  InvalidRevisionError,
  InvalidSubjectTypeError,
  MaxDepthExceededError,
  PreconditionFailedError,
  ReadOnlyError,
  CounterAlreadyRegisteredError,
  CounterNotRegisteredError,
  RelationNotFoundError,
  RelationshipAlreadyExistsError,
  SchemaNotFoundError,
  SchemaParseError,
  SchemaTypeError,
  SchemaWouldOrphanError,
  SerializationError,
  TooManyChecksError,
  TooManyPreconditionsError,
  TooManyRelationshipsForDeleteError,
  TooManyUpdatesError,
  UnimplementedError,
  WildcardNotAllowedError,
  ELLIPSIS,
  parseRelationship,
  type RelationshipFilter,
  type TrellisError,
} from '../../core/index.js';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema, type Status } from '../../gen/google/rpc/status_pb.js';

export const ERROR_DOMAIN = 'authzed.com';
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const INTERNAL_MESSAGE = 'internal error';

/** A status ready to send: gRPC code, message, and the ErrorInfo detail when SpiceDB sends one. */
export interface GrpcStatus {
  readonly code: Code;
  readonly message: string;
  /** `ERROR_REASON_*`; absent when SpiceDB sends a plain status. */
  readonly reason?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The original error, when it was not one we map (for logging). */
  readonly internal?: unknown;
}

type Rule<E extends TrellisError> = readonly [
  abstract new (...args: never[]) => E,
  (e: E) => Omit<GrpcStatus, 'message'> & { message?: string },
];

function rule<E extends TrellisError>(
  cls: abstract new (...args: never[]) => E,
  map: (e: E) => Omit<GrpcStatus, 'message'> & { message?: string },
): Rule<TrellisError> {
  return [cls, map as (e: TrellisError) => Omit<GrpcStatus, 'message'>];
}

const reason = (r: string): string => `ERROR_REASON_${r}`;

function filterMetadata(prefix: string, f: RelationshipFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.resourceType) out[`${prefix}resource_type`] = f.resourceType;
  if (f.resourceIds && f.resourceIds.length > 0) out[`${prefix}resource_id`] = f.resourceIds.join(',');
  if (f.resourceIdPrefix) out[`${prefix}resource_id_prefix`] = f.resourceIdPrefix;
  if (f.relation) out[`${prefix}relation`] = f.relation;
  if (f.subject) {
    out[`${prefix}subject_type`] = f.subject.type;
    if (f.subject.ids && f.subject.ids.length > 0) out[`${prefix}subject_id`] = f.subject.ids.join(',');
    if (f.subject.relation !== undefined) out[`${prefix}subject_relation`] = f.subject.relation === ELLIPSIS ? '' : f.subject.relation;
  }
  return out;
}

function relationshipMetadata(text: string): Record<string, string> {
  const out: Record<string, string> = { relationship: text };
  try {
    const r = parseRelationship(text);
    out['resource_type'] = r.resource.type;
    out['resource_object_id'] = r.resource.id;
    out['resource_relation'] = r.relation;
    out['subject_type'] = r.subject.type;
    out['subject_object_id'] = r.subject.id;
    out['subject_relation'] = r.subject.relation ?? ELLIPSIS;
  } catch {
    // The text came from our own formatter; if it does not parse, the relationship key is enough.
  }
  return out;
}

const RULES: readonly Rule<TrellisError>[] = [
  rule(SchemaParseError, (e) => {
    const d = e.diagnostics.find((x) => x.severity === 'error') ?? e.diagnostics[0];
    const metadata: Record<string, string> = {};
    if (d) {
      // ErrorInfo positions are 0-based while the message text is 1-based, as in SpiceDB.
      metadata['start_line_number'] = String(d.start.line - 1);
      metadata['start_column_position'] = String(d.start.column - 1);
      const end = d.end ?? d.start;
      metadata['end_line_number'] = String(end.line - 1);
      metadata['end_column_position'] = String(end.column - 1);
      if (d.snippet !== undefined) metadata['source_code'] = d.snippet;
    }
    return { code: Code.INVALID_ARGUMENT, reason: reason('SCHEMA_PARSE_ERROR'), metadata };
  }),
  rule(SchemaTypeError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('SCHEMA_TYPE_ERROR'),
    metadata: e.definition !== undefined ? { definition_name: e.definition } : {},
  })),
  rule(SchemaWouldOrphanError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('SCHEMA_TYPE_ERROR'),
    metadata: { ...e.details, operation: e.operation },
  })),
  rule(SchemaNotFoundError, () => ({ code: Code.NOT_FOUND })),
  rule(DefinitionNotFoundError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('UNKNOWN_DEFINITION'),
    metadata: { definition_name: e.definition },
  })),
  rule(RelationNotFoundError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('UNKNOWN_RELATION_OR_PERMISSION'),
    metadata: { definition_name: e.definition, relation_or_permission_name: e.relation },
  })),
  rule(CaveatNotFoundError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('UNKNOWN_CAVEAT'),
    metadata: { caveat_name: e.caveat },
  })),
  rule(InvalidSubjectTypeError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('INVALID_SUBJECT_TYPE'),
    metadata: { definition_name: e.definition, relation_name: e.relation, subject_type: e.subjectType },
  })),
  rule(CannotUpdatePermissionError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('CANNOT_UPDATE_PERMISSION'),
    metadata: { definition_name: e.definition, permission_name: e.permission },
  })),
  rule(RelationshipAlreadyExistsError, (e) => ({
    code: Code.ALREADY_EXISTS,
    reason: reason('ATTEMPT_TO_RECREATE_RELATIONSHIP'),
    metadata: relationshipMetadata(e.relationship),
  })),
  rule(DuplicateUpdateError, (e) => {
    const meta = relationshipMetadata(e.relationship);
    return {
      code: Code.INVALID_ARGUMENT,
      reason: reason('UPDATES_ON_SAME_RELATIONSHIP'),
      metadata: { definition_name: meta['resource_type'] ?? '', relationship: e.relationship },
    };
  }),
  rule(TooManyUpdatesError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('TOO_MANY_UPDATES_IN_REQUEST'),
    metadata: { update_count: String(e.count), maximum_updates_allowed: String(e.maximum) },
  })),
  rule(TooManyPreconditionsError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('TOO_MANY_PRECONDITIONS_IN_REQUEST'),
    // `maximum_updates_allowed` (sic): SpiceDB reuses the updates key here.
    metadata: { precondition_count: String(e.count), maximum_updates_allowed: String(e.maximum) },
  })),
  rule(PreconditionFailedError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('WRITE_OR_DELETE_PRECONDITION_FAILURE'),
    metadata: {
      precondition_operation: e.operation === 'must_match' ? 'OPERATION_MUST_MATCH' : 'OPERATION_MUST_NOT_MATCH',
      ...filterMetadata('precondition_', e.filter),
    },
  })),
  // SpiceDB has an EMPTY_PRECONDITION reason but still sends UNSPECIFIED here (a TODO upstream).
  rule(EmptyPreconditionError, () => ({ code: Code.INVALID_ARGUMENT, reason: reason('UNSPECIFIED'), metadata: {} })),
  rule(InvalidFilterError, () => ({ code: Code.INVALID_ARGUMENT, reason: reason('INVALID_FILTER'), metadata: {} })),
  rule(TooManyRelationshipsForDeleteError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('TOO_MANY_RELATIONSHIPS_FOR_TRANSACTIONAL_DELETE'),
    metadata: { limit: String(e.limit) },
  })),
  rule(ExceedsMaximumLimitError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('EXCEEDS_MAXIMUM_ALLOWABLE_LIMIT'),
    metadata: { limit_provided: String(e.provided), maximum_limit_allowed: String(e.maximum) },
  })),
  rule(TooManyChecksError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('UNSPECIFIED'),
    metadata: { check_count: String(e.count), maximum_checks_allowed: String(e.maximum) },
  })),
  rule(ContextTooLargeError, (e) =>
    e.where === 'relationship'
      ? {
          code: Code.INVALID_ARGUMENT,
          reason: reason('MAX_RELATIONSHIP_CONTEXT_SIZE'),
          metadata: { context_byte_size: String(e.size), max_context_byte_size: String(e.maximum) },
        }
      : { code: Code.INVALID_ARGUMENT },
  ),
  rule(CaveatParameterTypeError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('CAVEAT_PARAMETER_TYPE_ERROR'),
    metadata: { caveat_name: e.caveat, parameter_name: e.parameter },
  })),
  rule(CaveatEvaluationError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('CAVEAT_EVALUATION_ERROR'),
    metadata: { caveat_name: e.caveat },
  })),
  rule(WildcardNotAllowedError, (e) => ({
    code: Code.INVALID_ARGUMENT,
    reason: reason('WILDCARD_NOT_ALLOWED'),
    metadata: { disallowed_field: e.field },
  })),
  rule(MaxDepthExceededError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('MAXIMUM_DEPTH_EXCEEDED'),
    metadata: { maximum_depth_allowed: String(e.depth) },
  })),
  rule(InvalidCursorError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('INVALID_CURSOR'),
    metadata: { details: e.reason },
  })),
  rule(InvalidRevisionError, (e) => ({
    code: e.reason === 'expired' || e.reason === 'future' ? Code.OUT_OF_RANGE : Code.INVALID_ARGUMENT,
  })),
  rule(CounterAlreadyRegisteredError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('COUNTER_ALREADY_REGISTERED'),
    metadata: {
      counter_name: e.counter,
      new_filter_resource_type: e.filter.resourceType ?? '',
      new_filter_resource_id: e.filter.resourceIds?.length === 1 ? (e.filter.resourceIds[0] as string) : '',
      new_filter_resource_id_prefix: e.filter.resourceIdPrefix ?? '',
      new_filter_relation: e.filter.relation ?? '',
      new_filter_subject_type: e.filter.subject?.type ?? '',
      new_filter_subject_id: e.filter.subject?.ids?.length === 1 ? (e.filter.subject.ids[0] as string) : '',
      new_filter_subject_relation: e.filter.subject?.relation ?? '',
    },
  })),
  rule(CounterNotRegisteredError, (e) => ({
    code: Code.FAILED_PRECONDITION,
    reason: reason('COUNTER_NOT_REGISTERED'),
    metadata: { counter_name: e.counter },
  })),
  rule(ReadOnlyError, () => ({ code: Code.UNAVAILABLE, reason: reason('SERVICE_READ_ONLY'), metadata: {} })),
  rule(SerializationError, () => ({ code: Code.ABORTED, reason: reason('SERIALIZATION_FAILURE'), metadata: {} })),
  rule(DatastoreUnavailableError, () => ({ code: Code.UNAVAILABLE })),
  rule(InvalidArgumentError, () => ({ code: Code.INVALID_ARGUMENT })),
  rule(UnimplementedError, () => ({ code: Code.UNIMPLEMENTED })),
];

/** Errors raised by the transport itself (cancellation, deadlines) keep their gRPC code. */
export class CallAbortedError extends Error {
  constructor(
    readonly code: Code.CANCELLED | Code.DEADLINE_EXCEEDED,
    message: string,
  ) {
    super(message);
    this.name = 'CallAbortedError';
  }
}

export function toGrpcStatus(err: unknown): GrpcStatus {
  if (err instanceof CallAbortedError) return { code: err.code, message: err.message };
  for (const [cls, map] of RULES) {
    if (err instanceof cls) {
      const s = map(err);
      return { ...s, message: s.message ?? err.message };
    }
  }
  return { code: Code.INTERNAL, message: INTERNAL_MESSAGE, internal: err };
}

/** google.rpc.Status for a mapped error, with the ErrorInfo detail when there is a reason. */
export function toStatusMessage(s: GrpcStatus): Status {
  return create(StatusSchema, {
    code: s.code,
    message: s.message,
    details:
      s.reason === undefined
        ? []
        : [
            anyPack(
              ErrorInfoSchema,
              create(ErrorInfoSchema, { reason: s.reason, domain: ERROR_DOMAIN, metadata: { ...(s.metadata ?? {}) } }),
            ),
          ],
  });
}

/** The error object grpc-js sends: code, message and the binary status details trailer. */
export function toServiceError(s: GrpcStatus): Partial<ServiceError> & { code: Code; details: string } {
  const metadata = new Metadata();
  if (s.reason !== undefined) metadata.set(STATUS_DETAILS_KEY, Buffer.from(toBinary(StatusSchema, toStatusMessage(s))));
  return { code: s.code, details: s.message, message: s.message, metadata };
}
