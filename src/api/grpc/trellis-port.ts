/**
 * What the gRPC services need from the embedded `Trellis` facade (src/api/embedded). The
 * services depend on this narrow port rather than on the class, so a per-token store
 * (serve-testing) or a test double plugs in the same way; the real `Trellis` satisfies it
 * structurally.
 */
import type { JsonObject, Precondition, Relationship, RelationshipFilter, RelationshipUpdate, Revision } from '../../core/index.js';
import type {
  BulkCheckRequest,
  BulkCheckResult,
  CheckRequest,
  CheckResult,
  Consistency,
  EngineMetrics,
  ExpandRequest,
  ExpandResult,
  LookupResourcesRequest,
  LookupResourcesResult,
  LookupSubjectsRequest,
  LookupSubjectsResult,
} from '../../engine/index.js';
import type { Schema } from '../../schema/index.js';

export interface WriteInput {
  readonly updates: readonly RelationshipUpdate[];
  readonly preconditions?: readonly Precondition[];
  readonly metadata?: JsonObject;
}

export interface DeleteInput {
  readonly preconditions?: readonly Precondition[];
  readonly limit?: number;
  readonly allowPartial?: boolean;
  readonly metadata?: JsonObject;
}

export interface ReadOptions {
  readonly consistency?: Consistency;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface ReadItem {
  readonly relationship: Relationship;
  readonly readAt: string;
  readonly afterResultCursor: string;
}

export interface ExportOptions {
  readonly filter?: RelationshipFilter;
  readonly consistency?: Consistency;
  readonly pageSize?: number;
  readonly cursor?: string;
}

export interface ExportPage {
  readonly relationships: readonly Relationship[];
  readonly afterResultCursor: string;
}

export interface WatchOptions {
  readonly objectTypes?: readonly string[];
  readonly filters?: readonly RelationshipFilter[];
  readonly startToken?: string;
  readonly includeCheckpoints?: boolean;
  readonly includeSchema?: boolean;
  readonly signal?: AbortSignal;
}

export interface WatchEvent {
  readonly updates: readonly { readonly operation: 'touch' | 'delete'; readonly relationship: Relationship }[];
  readonly changesThrough: string;
  readonly metadata?: JsonObject;
  readonly schemaUpdated?: boolean;
  readonly isCheckpoint?: boolean;
}

export interface TrellisPort {
  readonly uniqueId: string;
  writeSchema(text: string): Promise<{ readonly writtenAt: string }>;
  readSchema(consistency?: Consistency): Promise<{ readonly text: string; readonly readAt: string }>;
  schema(consistency?: Consistency): Promise<{ readonly schema: Schema; readonly revision: Revision; readonly readAt: string }>;
  write(input: WriteInput): Promise<{ readonly writtenAt: string }>;
  deleteRelationships(
    filter: RelationshipFilter,
    options?: DeleteInput,
  ): Promise<{ readonly deletedAt: string; readonly deleted: number; readonly complete: boolean }>;
  read(filter: RelationshipFilter, options?: ReadOptions): AsyncIterable<ReadItem>;
  importRelationships(source: AsyncIterable<readonly Relationship[]>): Promise<{ readonly loaded: number }>;
  exportRelationships(options?: ExportOptions): AsyncIterable<ExportPage>;
  registerCounter(name: string, filter: RelationshipFilter): Promise<{ readonly writtenAt: string }>;
  unregisterCounter(name: string): Promise<{ readonly writtenAt: string }>;
  countRelationships(name: string): Promise<{ readonly count: number; readonly readAt: string }>;
  check(request: CheckRequest): Promise<CheckResult>;
  checkBulk(request: BulkCheckRequest): Promise<BulkCheckResult>;
  expand(request: ExpandRequest): Promise<ExpandResult>;
  lookupResources(request: LookupResourcesRequest): AsyncIterable<LookupResourcesResult>;
  lookupSubjects(request: LookupSubjectsRequest): AsyncIterable<LookupSubjectsResult>;
  watch(options: WatchOptions): AsyncIterable<WatchEvent>;
  metrics(): EngineMetrics;
  close(): Promise<void>;
}
