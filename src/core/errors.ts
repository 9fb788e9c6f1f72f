/**
 * The error hierarchy. Every error Trellis raises on purpose is a `TrellisError` with a
 * `kind` tag and the data a caller needs; the gRPC layer maps kinds to status codes,
 * ErrorInfo reasons and metadata in exactly one table (src/api/grpc/errors.ts).
 * Messages follow SpiceDB's wording where SpiceDB has one (reference §1.6).
 */
import type { RelationshipFilter } from './filters.js';

export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface Diagnostic {
  readonly message: string;
  readonly start: SourcePosition;
  readonly end?: SourcePosition;
  /** Name of the source the position refers to, e.g. `schema` or a file path. */
  readonly source: string;
  /** The offending token or snippet, when known (SpiceDB's `source_code`). */
  readonly snippet?: string;
  readonly severity: 'error' | 'warning';
  /**
   * 'parse' for syntax and naming problems (SpiceDB: INVALID_ARGUMENT / SCHEMA_PARSE_ERROR),
   * 'type' for semantic ones found after parsing (FAILED_PRECONDITION / SCHEMA_TYPE_ERROR).
   */
  readonly category: 'parse' | 'type';
  /** Definition the problem is in, when it is in one (ErrorInfo `definition_name`). */
  readonly definition?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'error' ? 'parse error' : 'warning';
  return `${prefix} in \`${d.source}\`, line ${d.start.line}, column ${d.start.column}: ${d.message}`;
}

export abstract class TrellisError extends Error {
  abstract readonly kind: string;
  /** Whether retrying the same request may succeed (serialization conflicts, busy databases). */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

// ---- schema ---------------------------------------------------------------------------

export class SchemaParseError extends TrellisError {
  readonly kind = 'schema_parse';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(
      diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n') || 'invalid schema',
    );
  }
}

/** A semantic (type) error in a schema, e.g. an unknown relation referenced by a permission. */
export class SchemaTypeError extends TrellisError {
  readonly kind = 'schema_type';
  constructor(
    message: string,
    readonly definition: string | undefined,
    readonly position?: SourcePosition,
  ) {
    super(message);
  }
}

export type OrphanOperation =
  | 'delete_object_definition'
  | 'delete_relation'
  | 'delete_relation_reverse_check'
  | 'remove_allowed_type'
  | 'delete_caveat'
  | 'remove_parameter'
  | 'change_parameter_type';

/** A schema write refused because stored relationships depend on what it removes (reference §5.8). */
export class SchemaWouldOrphanError extends TrellisError {
  readonly kind = 'schema_would_orphan';
  constructor(
    message: string,
    readonly operation: OrphanOperation,
    readonly details: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export class SchemaNotFoundError extends TrellisError {
  readonly kind = 'schema_not_found';
  constructor() {
    super('no schema has been defined; please call WriteSchema to start');
  }
}

// ---- requests against the schema -------------------------------------------------------

export class DefinitionNotFoundError extends TrellisError {
  readonly kind = 'definition_not_found';
  constructor(readonly definition: string) {
    super(`object definition \`${definition}\` not found`);
  }
}

export class RelationNotFoundError extends TrellisError {
  readonly kind = 'relation_not_found';
  constructor(
    readonly definition: string,
    readonly relation: string,
  ) {
    super(`relation/permission \`${relation}\` not found under definition \`${definition}\``);
  }
}

export class CaveatNotFoundError extends TrellisError {
  readonly kind = 'caveat_not_found';
  constructor(readonly caveat: string) {
    super(`caveat \`${caveat}\` not found`);
  }
}

export class InvalidSubjectTypeError extends TrellisError {
  readonly kind = 'invalid_subject_type';
  constructor(
    message: string,
    readonly definition: string,
    readonly relation: string,
    readonly subjectType: string,
  ) {
    super(message);
  }
}

export class CannotUpdatePermissionError extends TrellisError {
  readonly kind = 'cannot_update_permission';
  constructor(
    readonly definition: string,
    readonly permission: string,
  ) {
    super(`cannot write a relationship to permission \`${permission}\` under definition \`${definition}\``);
  }
}

// ---- writes ----------------------------------------------------------------------------

export class RelationshipAlreadyExistsError extends TrellisError {
  readonly kind = 'relationship_already_exists';
  /** `relationship` is the canonical text form, without caveat or expiration. */
  constructor(readonly relationship: string) {
    super(
      `could not CREATE relationship \`${relationship}\`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition`,
    );
  }
}

export class DuplicateUpdateError extends TrellisError {
  readonly kind = 'duplicate_update';
  constructor(readonly relationship: string) {
    super(
      `found more than one update with relationship \`${relationship}\` in this request; a relationship can only be specified in an update once per overall WriteRelationships request`,
    );
  }
}

export class TooManyUpdatesError extends TrellisError {
  readonly kind = 'too_many_updates';
  constructor(
    readonly count: number,
    readonly maximum: number,
  ) {
    super(
      `too many updates (${count}) for WriteRelationships call (maximum: ${maximum}); consider using ImportBulkRelationships API instead`,
    );
  }
}

export class TooManyPreconditionsError extends TrellisError {
  readonly kind = 'too_many_preconditions';
  constructor(
    readonly count: number,
    readonly maximum: number,
  ) {
    super(`too many preconditions (${count}) for WriteRelationships call (maximum: ${maximum})`);
  }
}

export class PreconditionFailedError extends TrellisError {
  readonly kind = 'precondition_failed';
  constructor(
    readonly operation: 'must_match' | 'must_not_match',
    readonly filter: RelationshipFilter,
    description: string,
  ) {
    super(`unable to satisfy write precondition \`${description}\``);
  }
}

export class EmptyPreconditionError extends TrellisError {
  readonly kind = 'empty_precondition';
  constructor() {
    super('one of the specified preconditions is empty');
  }
}

export class InvalidFilterError extends TrellisError {
  readonly kind = 'invalid_filter';
  constructor(reason: string) {
    super(`the relationship filter provided is not valid: ${reason}`);
  }
}

export class TooManyRelationshipsForDeleteError extends TrellisError {
  readonly kind = 'too_many_relationships_for_delete';
  constructor(readonly limit: number) {
    super(`found more than ${limit} relationships to be deleted and partial deletion was not requested`);
  }
}

export class ExceedsMaximumLimitError extends TrellisError {
  readonly kind = 'exceeds_maximum_limit';
  constructor(
    readonly provided: number,
    readonly maximum: number,
  ) {
    super(`provided limit ${provided} is greater than maximum allowed of ${maximum}`);
  }
}

export class TooManyChecksError extends TrellisError {
  readonly kind = 'too_many_checks';
  constructor(
    readonly count: number,
    readonly maximum: number,
  ) {
    super(`check count of ${count} is greater than maximum allowed of ${maximum}`);
  }
}

export class ContextTooLargeError extends TrellisError {
  readonly kind = 'context_too_large';
  constructor(
    readonly size: number,
    readonly maximum: number,
    readonly where: 'relationship' | 'request',
  ) {
    super(
      `${where === 'relationship' ? 'relationship caveat context' : 'request context'} of ${size} bytes exceeds the maximum of ${maximum} bytes`,
    );
  }
}

// ---- evaluation ------------------------------------------------------------------------

export class CaveatParameterTypeError extends TrellisError {
  readonly kind = 'caveat_parameter_type';
  constructor(
    readonly caveat: string,
    readonly parameter: string,
    detail: string,
  ) {
    super(`type error for parameters for caveat \`${caveat}\`: ${detail}`);
  }
}

export class CaveatEvaluationError extends TrellisError {
  readonly kind = 'caveat_evaluation';
  constructor(
    readonly caveat: string,
    detail: string,
  ) {
    super(`evaluation error for caveat ${caveat}: ${detail}`);
  }
}

export class WildcardNotAllowedError extends TrellisError {
  readonly kind = 'wildcard_not_allowed';
  constructor(
    readonly field: string,
    what = 'check',
  ) {
    super(`cannot perform ${what} on wildcard subject`);
  }
}

export class MaxDepthExceededError extends TrellisError {
  readonly kind = 'max_depth_exceeded';
  constructor(readonly depth: number) {
    super('max depth exceeded: this usually indicates a recursive or too deep data dependency. See https://spicedb.dev/d/debug-max-depth');
  }
}

// ---- revisions, cursors, availability --------------------------------------------------

export class InvalidCursorError extends TrellisError {
  readonly kind = 'invalid_cursor';
  constructor(readonly reason: string) {
    super(`invalid cursor: ${reason}`);
  }
}

export type InvalidRevisionReason = 'malformed' | 'expired' | 'future' | 'foreign';

export class InvalidRevisionError extends TrellisError {
  readonly kind = 'invalid_revision';
  constructor(
    readonly reason: InvalidRevisionReason,
    detail?: string,
  ) {
    super(
      reason === 'malformed'
        ? `invalid revision requested${detail ? `: ${detail}` : ''}`
        : reason === 'expired'
          ? 'invalid revision: revision has expired'
          : reason === 'future'
            ? 'invalid revision: revision is in the future'
            : 'invalid revision: the token was issued by a different datastore',
    );
  }
}

export class ReadOnlyError extends TrellisError {
  readonly kind = 'read_only';
  constructor() {
    super('service read-only');
  }
}

/** A write conflicted with a concurrent one and retries ran out; the client may retry. */
export class SerializationError extends TrellisError {
  readonly kind = 'serialization';
  override readonly retryable = true;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`serialization failure: ${detail}`, options);
  }
}

/** The datastore is unreachable or busy beyond its retry budget. */
export class DatastoreUnavailableError extends TrellisError {
  readonly kind = 'datastore_unavailable';
  override readonly retryable = true;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`datastore unavailable: ${detail}`, options);
  }
}

/** A malformed request field (the hand-written equivalent of SpiceDB's protovalidate rules). */
// ---- relationship counters ---------------------------------------------------------------

export class CounterAlreadyRegisteredError extends TrellisError {
  readonly kind = 'counter_already_registered';
  constructor(
    readonly counter: string,
    readonly filter: RelationshipFilter,
  ) {
    super(`counter with name \`${counter}\` already registered`);
  }
}

export class CounterNotRegisteredError extends TrellisError {
  readonly kind = 'counter_not_registered';
  constructor(readonly counter: string) {
    super(`counter with name \`${counter}\` not found`);
  }
}

export class InvalidArgumentError extends TrellisError {
  readonly kind = 'invalid_argument';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class UnimplementedError extends TrellisError {
  readonly kind = 'unimplemented';
}

export function isTrellisError(e: unknown): e is TrellisError {
  return e instanceof TrellisError;
}
