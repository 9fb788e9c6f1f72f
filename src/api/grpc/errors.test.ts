import { describe, expect, it } from 'vitest';
import { fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { status as Code } from '@grpc/grpc-js';
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
  CounterAlreadyRegisteredError,
  CounterNotRegisteredError,
  WildcardNotAllowedError,
} from '../../core/index.js';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { CallAbortedError, INTERNAL_MESSAGE, STATUS_DETAILS_KEY, toGrpcStatus, toServiceError } from './errors.js';

const R = (r: string) => `ERROR_REASON_${r}`;

describe('toGrpcStatus', () => {
  const cases: [string, Error, Code, string | undefined, Record<string, string> | undefined][] = [
    ['definition', new DefinitionNotFoundError('folder'), Code.FAILED_PRECONDITION, R('UNKNOWN_DEFINITION'), { definition_name: 'folder' }],
    [
      'relation',
      new RelationNotFoundError('doc', 'edit'),
      Code.FAILED_PRECONDITION,
      R('UNKNOWN_RELATION_OR_PERMISSION'),
      { definition_name: 'doc', relation_or_permission_name: 'edit' },
    ],
    ['caveat', new CaveatNotFoundError('c1'), Code.FAILED_PRECONDITION, R('UNKNOWN_CAVEAT'), { caveat_name: 'c1' }],
    [
      'subject type',
      new InvalidSubjectTypeError('m', 'doc', 'viewer', 'user:*'),
      Code.INVALID_ARGUMENT,
      R('INVALID_SUBJECT_TYPE'),
      { definition_name: 'doc', relation_name: 'viewer', subject_type: 'user:*' },
    ],
    [
      'permission write',
      new CannotUpdatePermissionError('doc', 'view'),
      Code.INVALID_ARGUMENT,
      R('CANNOT_UPDATE_PERMISSION'),
      { definition_name: 'doc', permission_name: 'view' },
    ],
    [
      'recreate',
      new RelationshipAlreadyExistsError('doc:1#viewer@group:g#member'),
      Code.ALREADY_EXISTS,
      R('ATTEMPT_TO_RECREATE_RELATIONSHIP'),
      {
        relationship: 'doc:1#viewer@group:g#member',
        resource_type: 'doc',
        resource_object_id: '1',
        resource_relation: 'viewer',
        subject_type: 'group',
        subject_object_id: 'g',
        subject_relation: 'member',
      },
    ],
    [
      'duplicate',
      new DuplicateUpdateError('doc:1#viewer@user:a'),
      Code.INVALID_ARGUMENT,
      R('UPDATES_ON_SAME_RELATIONSHIP'),
      { definition_name: 'doc', relationship: 'doc:1#viewer@user:a' },
    ],
    [
      'updates',
      new TooManyUpdatesError(1001, 1000),
      Code.INVALID_ARGUMENT,
      R('TOO_MANY_UPDATES_IN_REQUEST'),
      { update_count: '1001', maximum_updates_allowed: '1000' },
    ],
    [
      'preconditions',
      new TooManyPreconditionsError(1001, 1000),
      Code.INVALID_ARGUMENT,
      R('TOO_MANY_PRECONDITIONS_IN_REQUEST'),
      { precondition_count: '1001', maximum_updates_allowed: '1000' },
    ],
    [
      'precondition',
      new PreconditionFailedError(
        'must_not_match',
        { resourceType: 'doc', relation: 'viewer', subject: { type: 'user', ids: ['a'], relation: '...' } },
        'x',
      ),
      Code.FAILED_PRECONDITION,
      R('WRITE_OR_DELETE_PRECONDITION_FAILURE'),
      {
        precondition_operation: 'OPERATION_MUST_NOT_MATCH',
        precondition_resource_type: 'doc',
        precondition_relation: 'viewer',
        precondition_subject_type: 'user',
        precondition_subject_id: 'a',
        precondition_subject_relation: '',
      },
    ],
    ['empty precondition', new EmptyPreconditionError(), Code.INVALID_ARGUMENT, R('UNSPECIFIED'), {}],
    ['filter', new InvalidFilterError('at least one field must be set'), Code.INVALID_ARGUMENT, R('INVALID_FILTER'), {}],
    [
      'delete limit',
      new TooManyRelationshipsForDeleteError(5),
      Code.INVALID_ARGUMENT,
      R('TOO_MANY_RELATIONSHIPS_FOR_TRANSACTIONAL_DELETE'),
      { limit: '5' },
    ],
    [
      'limit',
      new ExceedsMaximumLimitError(5000, 1000),
      Code.INVALID_ARGUMENT,
      R('EXCEEDS_MAXIMUM_ALLOWABLE_LIMIT'),
      { limit_provided: '5000', maximum_limit_allowed: '1000' },
    ],
    [
      'checks',
      new TooManyChecksError(10001, 10000),
      Code.INVALID_ARGUMENT,
      R('UNSPECIFIED'),
      { check_count: '10001', maximum_checks_allowed: '10000' },
    ],
    [
      'relationship context',
      new ContextTooLargeError(30000, 25000, 'relationship'),
      Code.INVALID_ARGUMENT,
      R('MAX_RELATIONSHIP_CONTEXT_SIZE'),
      { context_byte_size: '30000', max_context_byte_size: '25000' },
    ],
    ['request context', new ContextTooLargeError(5000, 4096, 'request'), Code.INVALID_ARGUMENT, undefined, undefined],
    [
      'param type',
      new CaveatParameterTypeError('c', 'p', 'bad'),
      Code.INVALID_ARGUMENT,
      R('CAVEAT_PARAMETER_TYPE_ERROR'),
      { caveat_name: 'c', parameter_name: 'p' },
    ],
    ['evaluation', new CaveatEvaluationError('c', 'bad'), Code.INVALID_ARGUMENT, R('CAVEAT_EVALUATION_ERROR'), { caveat_name: 'c' }],
    [
      'wildcard',
      new WildcardNotAllowedError('subject.object.object_id'),
      Code.INVALID_ARGUMENT,
      R('WILDCARD_NOT_ALLOWED'),
      { disallowed_field: 'subject.object.object_id' },
    ],
    ['depth', new MaxDepthExceededError(50), Code.FAILED_PRECONDITION, R('MAXIMUM_DEPTH_EXCEEDED'), { maximum_depth_allowed: '50' }],
    ['cursor', new InvalidCursorError('different call'), Code.FAILED_PRECONDITION, R('INVALID_CURSOR'), { details: 'different call' }],
    ['malformed token', new InvalidRevisionError('malformed'), Code.INVALID_ARGUMENT, undefined, undefined],
    ['expired token', new InvalidRevisionError('expired'), Code.OUT_OF_RANGE, undefined, undefined],
    ['future token', new InvalidRevisionError('future'), Code.OUT_OF_RANGE, undefined, undefined],
    ['read only', new ReadOnlyError(), Code.UNAVAILABLE, R('SERVICE_READ_ONLY'), {}],
    ['serialization', new SerializationError('conflict'), Code.ABORTED, R('SERIALIZATION_FAILURE'), {}],
    ['unavailable', new DatastoreUnavailableError('down'), Code.UNAVAILABLE, undefined, undefined],
    ['no schema', new SchemaNotFoundError(), Code.NOT_FOUND, undefined, undefined],
    [
      'type',
      new SchemaTypeError('relation/permission `x` not found under definition `y`', 'y'),
      Code.FAILED_PRECONDITION,
      R('SCHEMA_TYPE_ERROR'),
      { definition_name: 'y' },
    ],
    [
      'orphan',
      new SchemaWouldOrphanError('cannot delete', 'delete_relation', { definition_name: 'doc', relation_name: 'viewer' }),
      Code.INVALID_ARGUMENT,
      R('SCHEMA_TYPE_ERROR'),
      { definition_name: 'doc', relation_name: 'viewer', operation: 'delete_relation' },
    ],
    [
      'argument',
      new InvalidArgumentError('invalid resource.object_type', 'resource.object_type'),
      Code.INVALID_ARGUMENT,
      undefined,
      undefined,
    ],
    ['unimplemented', new UnimplementedError('concrete limit is not yet supported'), Code.UNIMPLEMENTED, undefined, undefined],
    [
      'counter registered',
      new CounterAlreadyRegisteredError('c', {
        resourceType: 'doc',
        resourceIds: ['1'],
        relation: 'viewer',
        subject: { type: 'user', ids: ['a'], relation: 'm' },
      }),
      Code.FAILED_PRECONDITION,
      R('COUNTER_ALREADY_REGISTERED'),
      {
        counter_name: 'c',
        new_filter_resource_type: 'doc',
        new_filter_resource_id: '1',
        new_filter_resource_id_prefix: '',
        new_filter_relation: 'viewer',
        new_filter_subject_type: 'user',
        new_filter_subject_id: 'a',
        new_filter_subject_relation: 'm',
      },
    ],
    ['counter missing', new CounterNotRegisteredError('c'), Code.FAILED_PRECONDITION, R('COUNTER_NOT_REGISTERED'), { counter_name: 'c' }],
  ];

  it.each(cases)('%s', (_name, err, code, reason, metadata) => {
    const s = toGrpcStatus(err);
    expect(s.code).toBe(code);
    expect(s.message).toBe(err.message);
    expect(s.reason).toBe(reason);
    expect(s.metadata).toEqual(metadata);
  });

  it('maps a parse error with 0-based positions in metadata and the 1-based message', () => {
    const err = new SchemaParseError([
      {
        message: 'expected `:`',
        start: { line: 3, column: 19 },
        end: { line: 3, column: 23 },
        source: 'schema',
        snippet: 'user',
        severity: 'error',
        category: 'parse',
      },
    ]);
    expect(toGrpcStatus(err)).toEqual({
      code: Code.INVALID_ARGUMENT,
      message: 'parse error in `schema`, line 3, column 19: expected `:`',
      reason: R('SCHEMA_PARSE_ERROR'),
      metadata: {
        start_line_number: '2',
        start_column_position: '18',
        end_line_number: '2',
        end_column_position: '22',
        source_code: 'user',
      },
    });
  });

  it('hides unknown errors behind INTERNAL and keeps the original for the log', () => {
    const boom = new TypeError('secret detail');
    expect(toGrpcStatus(boom)).toEqual({ code: Code.INTERNAL, message: INTERNAL_MESSAGE, internal: boom });
  });

  it('keeps transport outcomes', () => {
    expect(toGrpcStatus(new CallAbortedError(Code.DEADLINE_EXCEEDED, 'context deadline exceeded'))).toEqual({
      code: Code.DEADLINE_EXCEEDED,
      message: 'context deadline exceeded',
    });
  });
});

describe('toServiceError', () => {
  it('packs google.rpc.Status{details:[ErrorInfo]} into grpc-status-details-bin', () => {
    const e = toServiceError(toGrpcStatus(new DefinitionNotFoundError('folder')));
    expect(e.code).toBe(Code.FAILED_PRECONDITION);
    expect(e.details).toBe('object definition `folder` not found');
    const bin = e.metadata?.get(STATUS_DETAILS_KEY)[0];
    expect(bin).toBeInstanceOf(Buffer);
    const st = fromBinary(StatusSchema, bin as Buffer);
    expect(st.code).toBe(Code.FAILED_PRECONDITION);
    expect(st.message).toBe('object definition `folder` not found');
    expect(st.details[0]?.typeUrl).toBe('type.googleapis.com/google.rpc.ErrorInfo');
    const info = anyUnpack(st.details[0]!, ErrorInfoSchema);
    expect(info).toMatchObject({ reason: R('UNKNOWN_DEFINITION'), domain: 'authzed.com', metadata: { definition_name: 'folder' } });
  });

  it('sends no details for plain statuses', () => {
    expect(toServiceError(toGrpcStatus(new SchemaNotFoundError())).metadata?.get(STATUS_DETAILS_KEY)).toEqual([]);
  });
});
