/** The embedded `Trellis` facade: schema, validated writes, reads, exports, Watch and permission checks over one datastore. */
export { Trellis } from './trellis.js';
export type {
  BulkCheckInput,
  CheckOptions,
  CompiledSchemaResult,
  TrellisFromStoreOptions,
  LookupResourcesOptions,
  LookupSubjectsOptions,
  SchemaReadResult,
  SchemaWriteResult,
  TrellisOptions,
} from './trellis.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export type { ObjectInput, RelationshipInput, SubjectInput } from './inputs.js';
export type { ExportOptions, ExportPage, ReadOptions, ReadResult } from './read-path.js';
export type {
  DeleteRelationshipsOptions,
  DeleteRelationshipsResult,
  ImportItem,
  ImportResult,
  ImportSource,
  WriteRequest,
  WriteResult,
} from './write-path.js';
export type { WatchEvent, WatchOptions, WatchUpdate } from './watch.js';
export type { CounterValue, CounterWriteResult } from './counters.js';
export { matchesFilter } from './filter-match.js';
