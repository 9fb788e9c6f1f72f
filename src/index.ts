/** The `trellis` package: the embedded Trellis database, its request and result types, errors, and the text-form and validation-file helpers. */
export { Trellis, DEFAULT_LIMITS, matchesFilter } from './api/embedded/index.js';
export type {
  BulkCheckInput,
  CheckOptions,
  CompiledSchemaResult,
  DeleteRelationshipsOptions,
  DeleteRelationshipsResult,
  ExportOptions,
  ExportPage,
  ImportItem,
  ImportResult,
  ImportSource,
  Limits,
  LookupResourcesOptions,
  LookupSubjectsOptions,
  ObjectInput,
  ReadOptions,
  ReadResult,
  RelationshipInput,
  SchemaReadResult,
  SchemaWriteResult,
  SubjectInput,
  TrellisFromStoreOptions,
  TrellisOptions,
  WatchEvent,
  WatchOptions,
  WatchUpdate,
  WriteRequest,
  WriteResult,
} from './api/embedded/index.js';

// Domain values, the relationship text form, ZedTokens and every typed error.
export * from './core/index.js';

// Permission requests and results.
export type {
  BulkCheckItem,
  BulkCheckItemResult,
  BulkCheckRequest,
  BulkCheckResult,
  CheckRequest,
  CheckResult,
  CheckTrace,
  Consistency,
  EngineMetrics,
  OperationMetrics,
  ExpandedSubject,
  ExpandRequest,
  ExpandResult,
  ExpandTree,
  LookupResourcesRequest,
  LookupResourcesResult,
  LookupSubjectsRequest,
  LookupSubjectsResult,
  Permissionship,
  ResolvedSubject,
} from './engine/index.js';

// The schema language, for tools that compile or print schemas without a datastore.
export { compileSchema, compileSchemaOrThrow, printSchema } from './schema/index.js';
export type { Schema, Definition, Relation, Permission, PermissionExpr, AllowedType, CaveatDefinition } from './schema/index.js';

// Validation files (SpiceDB's YAML format).
export {
  formatProblem,
  loadValidationFile,
  parseValidationFile,
  populateFromFiles,
  runValidationFile,
  validateFile,
} from './validationfile/index.js';
export type { FileReport, ValidationFile, ValidationProblem } from './validationfile/index.js';
