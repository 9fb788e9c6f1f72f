/**
 * `Trellis`: the one facade over a store and the permission engine, used in-process by
 * applications and by the gRPC server alike. It owns the validated write path, reads and
 * exports with cursors, Watch, and the request limits; permission questions go to the engine.
 */
import {
  ContextTooLargeError,
  ExceedsMaximumLimitError,
  InvalidArgumentError,
  SchemaNotFoundError,
  SchemaWouldOrphanError,
  TooManyChecksError,
} from '../../core/index.js';
import type { JsonObject, RelationshipFilter, Revision } from '../../core/index.js';
import { createEngine } from '../../engine/index.js';
import type {
  BulkCheckItem,
  BulkCheckRequest,
  BulkCheckResult,
  CheckRequest,
  CheckResult,
  Consistency,
  Engine,
  EngineMetrics,
  ExpandedSubject,
  ExpandRequest,
  ExpandResult,
  LookupResourcesRequest,
  LookupResourcesResult,
  LookupSubjectsRequest,
  LookupSubjectsResult,
} from '../../engine/index.js';
import { compileSchemaOrThrow, orphanChecks, printSchema } from '../../schema/index.js';
import type { Schema } from '../../schema/index.js';
import { openStore } from '../../store/index.js';
import type { Store, StoreReader } from '../../store/index.js';
import type { FacadeContext } from './context.js';
import { countRelationships, registerCounter, unregisterCounter, type CounterValue, type CounterWriteResult } from './counters.js';
import { toObjectRef, toRelationship, toSubjectRef } from './inputs.js';
import type { ObjectInput, RelationshipInput, SubjectInput } from './inputs.js';
import { jsonBytes, resolveLimits } from './limits.js';
import type { Limits } from './limits.js';
import { exportRelationships, readRelationships } from './read-path.js';
import type { ExportOptions, ExportPage, ReadOptions, ReadResult } from './read-path.js';
import { EMPTY_SCHEMA } from './schema-checks.js';
import { watchChanges } from './watch.js';
import type { WatchEvent, WatchOptions } from './watch.js';
import { deleteRelationships, importRelationships, writeRelationships } from './write-path.js';
import type {
  DeleteRelationshipsOptions,
  DeleteRelationshipsResult,
  ImportResult,
  ImportSource,
  WriteRequest,
  WriteResult,
} from './write-path.js';

export interface TrellisFromStoreOptions {
  /** Dispatch cache; `false` disables it (default: on). */
  readonly cache?: false | { readonly maxEntries?: number };
  /** Dispatch depth limit (default 50). */
  readonly maxDepth?: number;
  /**
   * Answer checks with one recursive SQL query per union-only part of the permission (SQLite
   * and Postgres; default true). `false` always walks the graph read by read.
   */
  readonly recursiveQueries?: boolean;
  readonly limits?: Partial<Limits>;
  /** A minimize-latency read never sees a revision older than this instance's last write (default true). */
  readonly readYourWrites?: boolean;
}

export interface TrellisOptions extends TrellisFromStoreOptions {
  /** `memory`, a SQLite file path, or a `postgres://` URL. */
  readonly datastore: string;
  /** Revision quantization window (default 5000 ms; 0 = always head). */
  readonly quantizationMs?: number;
  readonly gcWindowMs?: number;
  readonly gcIntervalMs?: number;
}

export interface SchemaWriteResult {
  readonly writtenAt: string;
  readonly revision: Revision;
}

export interface SchemaReadResult {
  readonly text: string;
  readonly readAt: string;
  readonly revision: Revision;
}

export interface CompiledSchemaResult {
  readonly schema: Schema;
  readonly revision: Revision;
  readonly readAt: string;
}

export interface CheckOptions {
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
  readonly trace?: boolean;
}

export interface BulkCheckInput {
  readonly resource: ObjectInput;
  readonly permission: string;
  readonly subject: SubjectInput;
  readonly context?: JsonObject;
}

export interface LookupResourcesOptions {
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface LookupSubjectsOptions {
  readonly subjectRelation?: string;
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
}

const FULLY_CONSISTENT: Consistency = { kind: 'fully_consistent' };
const COMPILED_CACHE_SIZE = 8;

function isRequestObject<T extends object>(x: unknown, field: keyof T): x is T {
  return typeof x === 'object' && x !== null && field in x;
}

export class Trellis {
  readonly limits: Limits;
  private readonly engine: Engine;
  private readonly compiled = new Map<string, Schema>();
  private readonly ctx: FacadeContext;
  private closed = false;

  private constructor(
    private readonly store: Store,
    options: TrellisFromStoreOptions,
  ) {
    this.limits = resolveLimits(options.limits);
    this.engine = createEngine({
      store,
      ...(options.cache !== undefined ? { cache: options.cache } : {}),
      ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
      ...(options.recursiveQueries !== undefined ? { recursiveQueries: options.recursiveQueries } : {}),
      readYourWrites: options.readYourWrites ?? true,
    });
    this.ctx = {
      store,
      limits: this.limits,
      schemaIn: (reader) => this.schemaIn(reader),
      resolveRevision: (c) => this.engine.resolveRevision(c),
      token: async (revision) => this.engine.tokenFor(revision),
      noteWrite: (revision) => this.engine.noteWrite(revision),
    };
  }

  /** Opens (and migrates) the datastore and returns a ready instance. */
  static async open(options: TrellisOptions): Promise<Trellis> {
    const store = await openStore(options.datastore, {
      ...(options.quantizationMs !== undefined ? { quantizationMs: options.quantizationMs } : {}),
      ...(options.gcWindowMs !== undefined ? { gcWindowMs: options.gcWindowMs } : {}),
      ...(options.gcIntervalMs !== undefined ? { gcIntervalMs: options.gcIntervalMs } : {}),
    });
    return new Trellis(store, options);
  }

  /** Wraps an already open store; `close()` closes it. */
  static fromStore(store: Store, options: TrellisFromStoreOptions = {}): Trellis {
    return new Trellis(store, options);
  }

  /** The datastore's stable unique id (the prefix ZedTokens carry). */
  get uniqueId(): string {
    return this.store.uniqueId;
  }

  get datastoreKind(): Store['kind'] {
    return this.store.kind;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }

  metrics(): EngineMetrics {
    return this.engine.metrics();
  }

  /** Drops every cached dispatch result (benchmarks measuring a cold cache). */
  clearCache(): void {
    this.engine.clearCache();
  }

  // ---- schema ----------------------------------------------------------------------------

  /**
   * Replaces the schema. Compiles it (SchemaParseError / SchemaTypeError), then, in the write
   * transaction, refuses changes that would orphan stored relationships
   * (SchemaWouldOrphanError naming one of them), and stores the canonical printed text.
   */
  async writeSchema(text: string): Promise<SchemaWriteResult> {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > this.limits.maxSchemaBytes) {
      throw new InvalidArgumentError(`schema of ${size} bytes exceeds the maximum of ${this.limits.maxSchemaBytes} bytes`, 'schema');
    }
    const next = compileSchemaOrThrow(text);
    const printed = printSchema(next);
    const { revision } = await this.store.write(async (tx) => {
      const stored = await tx.readSchema();
      const old = stored ? this.compiledFor(stored.text, stored.hash) : undefined;
      for (const check of orphanChecks(old, next)) {
        if (check.unconditional) throw new SchemaWouldOrphanError(check.message, check.operation, check.details);
        const [found] = await tx.query(check.filter, { limit: 1 });
        if (found) throw new SchemaWouldOrphanError(check.describe(found), check.operation, check.details);
      }
      await tx.writeSchema(printed);
      const written = await tx.readSchema();
      if (written) this.compiled.set(written.hash, next);
    });
    this.engine.noteWrite(revision);
    return { writtenAt: this.engine.tokenFor(revision), revision };
  }

  /** The stored (canonical) schema text; SchemaNotFoundError when none. Reads at head by default. */
  async readSchema(consistency: Consistency = FULLY_CONSISTENT): Promise<SchemaReadResult> {
    const revision = await this.engine.resolveRevision(consistency);
    const stored = await this.store.reader(revision).readSchema();
    if (!stored) throw new SchemaNotFoundError();
    return { text: stored.text, revision, readAt: this.engine.tokenFor(revision) };
  }

  /** The compiled schema (for reflection); SchemaNotFoundError when none. */
  async schema(consistency: Consistency = FULLY_CONSISTENT): Promise<CompiledSchemaResult> {
    const revision = await this.engine.resolveRevision(consistency);
    const schema = await this.engine.schemaAt(revision);
    return { schema, revision, readAt: this.engine.tokenFor(revision) };
  }

  // ---- relationships ---------------------------------------------------------------------

  /** Applies updates atomically; a plain list of relationships is a list of TOUCHes. */
  write(input: WriteRequest | readonly RelationshipInput[]): Promise<WriteResult> {
    const req: WriteRequest = Array.isArray(input) ? { updates: input as readonly RelationshipInput[] } : (input as WriteRequest);
    return writeRelationships(this.ctx, req);
  }

  /** CREATE: fails (RelationshipAlreadyExistsError) if any of them exists. */
  create(...relationships: RelationshipInput[]): Promise<WriteResult> {
    return this.write({ updates: relationships.map((r) => ({ operation: 'create' as const, relationship: toRelationship(r) })) });
  }

  /** TOUCH: upsert, replacing caveat and expiration. */
  touch(...relationships: RelationshipInput[]): Promise<WriteResult> {
    return this.write({ updates: relationships.map((r) => ({ operation: 'touch' as const, relationship: toRelationship(r) })) });
  }

  /** DELETE by identity (caveat and expiration ignored); absent ones are no-ops. */
  delete(...relationships: RelationshipInput[]): Promise<WriteResult> {
    return this.write({ updates: relationships.map((r) => ({ operation: 'delete' as const, relationship: toRelationship(r) })) });
  }

  deleteRelationships(filter: RelationshipFilter, options?: DeleteRelationshipsOptions): Promise<DeleteRelationshipsResult> {
    return deleteRelationships(this.ctx, filter, options);
  }

  read(filter: RelationshipFilter, options?: ReadOptions): AsyncIterable<ReadResult> {
    return readRelationships(this.ctx, filter, options);
  }

  importRelationships(source: ImportSource): Promise<ImportResult> {
    return importRelationships(this.ctx, source);
  }

  /**
   * Registers a relationship counter: `name` (lowercase, like a relation name) counts the
   * relationships matching `filter` (validated like a read filter). CounterAlreadyRegisteredError
   * when the name is taken.
   */
  registerCounter(name: string, filter: RelationshipFilter): Promise<CounterWriteResult> {
    return registerCounter(this.ctx, name, filter);
  }

  /** Unregisters a counter (CounterNotRegisteredError when there is none of that name). */
  unregisterCounter(name: string): Promise<CounterWriteResult> {
    return unregisterCounter(this.ctx, name);
  }

  /** The number of live relationships matching a registered counter's filter, at the head revision. */
  countRelationships(name: string): Promise<CounterValue> {
    return countRelationships(this.ctx, name);
  }

  exportRelationships(options?: ExportOptions): AsyncIterable<ExportPage> {
    return exportRelationships(this.ctx, options);
  }

  watch(options?: WatchOptions): AsyncIterable<WatchEvent> {
    return watchChanges(this.ctx, options);
  }

  // ---- permissions -----------------------------------------------------------------------

  check(request: CheckRequest): Promise<CheckResult>;
  check(resource: ObjectInput, permission: string, subject: SubjectInput, options?: CheckOptions): Promise<CheckResult>;
  check(a: CheckRequest | ObjectInput, permission?: string, subject?: SubjectInput, options: CheckOptions = {}): Promise<CheckResult> {
    // Not `async`: the hot path hands the engine's promise straight back.
    try {
      const req: CheckRequest = isRequestObject<CheckRequest>(a, 'permission')
        ? a
        : {
            resource: toObjectRef(a as ObjectInput),
            permission: permission ?? '',
            subject: toSubjectRef(subject ?? ''),
            ...(options.context ? { context: options.context } : {}),
            ...(options.consistency ? { consistency: options.consistency } : {}),
            ...(options.trace ? { trace: true } : {}),
          };
      if (req.context !== undefined) this.checkRequestContext(req.context);
      return this.engine.check(req);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Many checks at one revision, order kept, errors per item (≤ limits.maxBulkChecks). */
  async checkBulk(
    request: BulkCheckRequest | readonly BulkCheckInput[],
    options: { consistency?: Consistency; trace?: boolean } = {},
  ): Promise<BulkCheckResult> {
    const req: BulkCheckRequest = Array.isArray(request)
      ? {
          items: (request as readonly BulkCheckInput[]).map((i): BulkCheckItem => ({
            resource: toObjectRef(i.resource),
            permission: i.permission,
            subject: toSubjectRef(i.subject),
            ...(i.context ? { context: i.context } : {}),
          })),
          ...(options.consistency ? { consistency: options.consistency } : {}),
          ...(options.trace ? { trace: true } : {}),
        }
      : (request as BulkCheckRequest);
    if (req.items.length > this.limits.maxBulkChecks) throw new TooManyChecksError(req.items.length, this.limits.maxBulkChecks);
    for (const item of req.items) this.checkRequestContext(item.context);
    return this.engine.checkBulk(req);
  }

  expand(request: ExpandRequest): Promise<ExpandResult>;
  expand(resource: ObjectInput, permission: string, options?: { consistency?: Consistency; recursive?: boolean }): Promise<ExpandResult>;
  async expand(
    a: ExpandRequest | ObjectInput,
    permission?: string,
    options: { consistency?: Consistency; recursive?: boolean } = {},
  ): Promise<ExpandResult> {
    const req: ExpandRequest = isRequestObject<ExpandRequest>(a, 'permission')
      ? a
      : {
          resource: toObjectRef(a as ObjectInput),
          permission: permission ?? '',
          ...(options.consistency ? { consistency: options.consistency } : {}),
          ...(options.recursive ? { recursive: true } : {}),
        };
    return this.engine.expand(req);
  }

  /**
   * Every subject of resource#relation, fully expanded, with the direct relationships
   * (`type:id#rel`) each was reached through: what validation files' `validation:` blocks
   * describe. Caveats are reported as markers, never evaluated.
   */
  async expandSubjects(resource: ObjectInput, relation: string, consistency?: Consistency): Promise<ExpandedSubject[]> {
    const revision = await this.engine.resolveRevision(consistency);
    return this.engine.expandSubjects(toObjectRef(resource), relation, revision);
  }

  lookupResources(request: LookupResourcesRequest): AsyncIterable<LookupResourcesResult>;
  lookupResources(
    resourceType: string,
    permission: string,
    subject: SubjectInput,
    options?: LookupResourcesOptions,
  ): AsyncIterable<LookupResourcesResult>;
  lookupResources(
    a: LookupResourcesRequest | string,
    permission?: string,
    subject?: SubjectInput,
    options: LookupResourcesOptions = {},
  ): AsyncIterable<LookupResourcesResult> {
    const req: LookupResourcesRequest =
      typeof a !== 'string'
        ? a
        : {
            resourceType: a,
            permission: permission ?? '',
            subject: toSubjectRef(subject ?? ''),
            ...(options.context ? { context: options.context } : {}),
            ...(options.consistency ? { consistency: options.consistency } : {}),
            ...(options.limit !== undefined ? { limit: options.limit } : {}),
            ...(options.cursor ? { cursor: options.cursor } : {}),
          };
    const limit = req.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`invalid limit ${limit}`, 'optional_limit');
    if (limit > this.limits.maxLookupLimit) throw new ExceedsMaximumLimitError(limit, this.limits.maxLookupLimit);
    this.checkRequestContext(req.context);
    return this.engine.lookupResources(req);
  }

  lookupSubjects(request: LookupSubjectsRequest): AsyncIterable<LookupSubjectsResult>;
  lookupSubjects(
    resource: ObjectInput,
    permission: string,
    subjectType: string,
    options?: LookupSubjectsOptions,
  ): AsyncIterable<LookupSubjectsResult>;
  lookupSubjects(
    a: LookupSubjectsRequest | ObjectInput,
    permission?: string,
    subjectType?: string,
    options: LookupSubjectsOptions = {},
  ): AsyncIterable<LookupSubjectsResult> {
    const req: LookupSubjectsRequest = isRequestObject<LookupSubjectsRequest>(a, 'subjectType')
      ? a
      : {
          resource: toObjectRef(a as ObjectInput),
          permission: permission ?? '',
          subjectType: subjectType ?? '',
          ...(options.subjectRelation !== undefined ? { subjectRelation: options.subjectRelation } : {}),
          ...(options.context ? { context: options.context } : {}),
          ...(options.consistency ? { consistency: options.consistency } : {}),
        };
    this.checkRequestContext(req.context);
    return this.engine.lookupSubjects(req);
  }

  // ---- internals -------------------------------------------------------------------------

  private checkRequestContext(context: JsonObject | undefined): void {
    if (context === undefined) return;
    const size = jsonBytes(context);
    if (size > this.limits.maxRequestContextBytes) throw new ContextTooLargeError(size, this.limits.maxRequestContextBytes, 'request');
  }

  private compiledFor(text: string, hash: string): Schema {
    let schema = this.compiled.get(hash);
    if (!schema) {
      schema = compileSchemaOrThrow(text);
      if (this.compiled.size >= COMPILED_CACHE_SIZE) {
        const oldest = this.compiled.keys().next().value;
        if (oldest !== undefined) this.compiled.delete(oldest);
      }
      this.compiled.set(hash, schema);
    }
    return schema;
  }

  private async schemaIn(reader: StoreReader): Promise<Schema> {
    const stored = await reader.readSchema();
    return stored ? this.compiledFor(stored.text, stored.hash) : EMPTY_SCHEMA;
  }
}
