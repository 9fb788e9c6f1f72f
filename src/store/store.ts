/**
 * The `Store` interface: MVCC snapshots over relationships and the schema, atomic
 * write transactions with preconditions, paged filtered queries in both directions,
 * a change feed, and GC. Adapters: ./sqlite (embedded, and `:memory:`) and ./postgres.
 *
 * Revisions are positive integers assigned per committed write transaction, in commit
 * order. A reader at revision R sees exactly the state committed at or before R, minus
 * relationships whose expiration is at or before the datastore's clock "now".
 */
import type { Precondition, Relationship, RelationshipFilter, RelationshipUpdate, Revision, JsonObject } from '../core/index.js';
import type { ReachBatch, ReachResult, ReachStart, ReachSubject } from './reach.js';

export interface StoredSchema {
  /** Schema text as written (canonical form is the writer's choice). */
  readonly text: string;
  /** Stable hash of `text` (hex). */
  readonly hash: string;
  /** Revision at which this schema was written. */
  readonly revision: Revision;
}

/** Where a paged query resumes: strictly after this relationship, in the query's order. */
export type QueryCursor = Relationship;

export type QueryOrder = 'resource' | 'subject';

export interface QueryOptions {
  /** Maximum rows to return; absent = all matching rows. */
  readonly limit?: number;
  /** Resume strictly after this relationship (in `order`). */
  readonly after?: QueryCursor;
  /**
   * Sort order. 'resource': (resource type, resource id, relation, subject type, subject id,
   * subject relation); 'subject': (subject type, subject id, subject relation, resource type,
   * resource id, relation). Default 'resource'. Results are always in a stable order.
   */
  readonly order?: QueryOrder;
}

/** What `StoreReader.reverseIds` reads: one relation's rows naming some subjects. */
export interface ReverseIdsFilter {
  readonly resourceType: string;
  readonly relation: string;
  readonly subject: {
    readonly type: string;
    readonly ids: readonly string[];
    /** The subject relation (ELLIPSIS for plain subjects); absent = any. */
    readonly relation?: string;
  };
}

export interface ReverseIds {
  /** Per subject id that has matching rows: the resource ids of those rows, ascending. */
  readonly bySubject: Map<string, string[]>;
  /** The matching relationships that carry a caveat, in full (their ids are in `bySubject` too). */
  readonly caveated: Relationship[];
}

export interface StoreReader {
  readonly revision: Revision;
  /**
   * Relationships matching the filter at this revision, sorted, live (not expired).
   * Filters with id lists are answered in one query (the engine batches many ids).
   */
  query(filter: RelationshipFilter, options?: QueryOptions): Promise<Relationship[]>;
  /**
   * Several plain queries at once, answered in one statement (one round trip): result `i` is
   * exactly what `query(filters[i])` returns. The engine reads every relation a check of one
   * object needs this way.
   */
  queryBatch(filters: readonly RelationshipFilter[]): Promise<Relationship[][]>;
  /**
   * The reverse-lookup read: the live relationships of `filter.resourceType#filter.relation`
   * whose subject is of `filter.subject.type`, has one of `filter.subject.ids` and (when given)
   * the relation `filter.subject.relation` (ELLIPSIS for none), reduced to their ids. The
   * resource ids are grouped by subject id, ascending within each subject (with repeats when
   * several subject relations match). Only ids are read, which the subject index answers by
   * itself: wide reads (a folder with 100k documents) never touch the rows. Relationships
   * with a caveat are also returned in full in `caveated`, since their ids alone do not say
   * whether they apply.
   */
  reverseIds(filter: ReverseIdsFilter): Promise<ReverseIds>;
  /**
   * Answers the reachability queries of a batch (./reach.ts) from one object to a plain subject
   * in one statement: result `i` is part `i`'s. Optional: stores without it, and batches it
   * returns undefined for (too large for one statement), are answered by the engine's walk.
   */
  reach?(batch: ReachBatch, start: ReachStart, subject: ReachSubject): Promise<ReachResult[] | undefined>;
  /** Count of matching live relationships (used by delete limits and counters). */
  count(filter: RelationshipFilter): Promise<number>;
  /** The filter of the relationship counter registered under `name` at this revision, if any. */
  counterFilter(name: string): Promise<RelationshipFilter | undefined>;
  /** The schema as of this revision, or undefined when none has been written. */
  readSchema(): Promise<StoredSchema | undefined>;
}

export interface DeleteOptions {
  readonly limit?: number;
  /** With a limit: delete up to `limit` and report `complete: false` if more remain. */
  readonly allowPartial?: boolean;
}

export interface DeleteResult {
  readonly deleted: number;
  readonly complete: boolean;
}

/** A read-write transaction. Reads see the transaction's own writes. */
export interface StoreWriter extends StoreReader {
  /**
   * Throws PreconditionFailedError for the first unsatisfied precondition (evaluated in the
   * transaction, against live relationships).
   */
  checkPreconditions(preconditions: readonly Precondition[]): Promise<void>;
  /**
   * CREATE (RelationshipAlreadyExistsError if a live copy exists, whatever its caveat),
   * TOUCH (upsert: replaces caveat, context and expiration), DELETE (no-op when absent).
   * An expired but not yet collected relationship counts as existing for CREATE.
   * Schema validation is the caller's job.
   */
  apply(updates: readonly RelationshipUpdate[]): Promise<void>;
  /**
   * Deletes by filter. With `limit` and no `allowPartial`, throws
   * TooManyRelationshipsForDeleteError (deleting nothing) when more than `limit` match.
   */
  deleteByFilter(filter: RelationshipFilter, options?: DeleteOptions): Promise<DeleteResult>;
  /** Bulk insert with CREATE semantics (any existing relationship fails the transaction). */
  bulkCreate(relationships: readonly Relationship[]): Promise<number>;
  writeSchema(text: string): Promise<void>;
  /** Registers a named relationship counter (CounterAlreadyRegisteredError if the name is live). */
  registerCounter(name: string, filter: RelationshipFilter): Promise<void>;
  /** Unregisters a counter (CounterNotRegisteredError if there is none of that name). */
  unregisterCounter(name: string): Promise<void>;
}

export type ChangeOperation = 'touch' | 'delete';

export interface RelationshipChange {
  readonly operation: ChangeOperation;
  readonly relationship: Relationship;
}

/** Everything one committed transaction changed. */
export interface ChangeSet {
  readonly revision: Revision;
  readonly changes: readonly RelationshipChange[];
  readonly schemaChanged: boolean;
  readonly metadata?: JsonObject;
}

export interface GcResult {
  readonly relationshipsRemoved: number;
  readonly transactionsRemoved: number;
  readonly expiredRemoved: number;
}

export interface WriteOptions {
  /** Transaction metadata, delivered with the change set on the change feed. */
  readonly metadata?: JsonObject;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Stable unique id of this datastore (survives restarts; shared by all processes on it). */
  readonly uniqueId: string;

  headRevision(): Promise<Revision>;
  /**
   * The newest revision committed at or before the start of the current quantization
   * window (default 5 s), so concurrent readers share a revision and its cache entries.
   * Never older than the GC window allows; equals head when quantization is 0.
   */
  optimizedRevision(): Promise<Revision>;
  /**
   * What `optimizedRevision` would answer without doing any I/O, or undefined when it would
   * have to ask the database (the window ended, or quantization is off). The warm check path
   * uses it to answer without awaiting.
   */
  cachedOptimizedRevision(): Revision | undefined;
  /** Throws InvalidRevisionError ('expired' beyond the GC window, 'future' beyond head). */
  checkRevision(revision: Revision): Promise<void>;

  /** A snapshot reader at `revision` (call checkRevision first for user-supplied revisions). */
  reader(revision: Revision): StoreReader;

  /**
   * Runs `fn` in one atomic read-write transaction that commits as a new revision.
   * Serialization conflicts are retried internally (fn may run more than once, so it must
   * not have side effects outside the transaction); when retries run out,
   * SerializationError. A transaction that wrote nothing still gets a revision.
   */
  write<T>(fn: (tx: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<{ result: T; revision: Revision }>;

  /** Committed change sets with revision > `after`, ascending, at most `limit` of them. */
  changesSince(after: Revision, limit?: number): Promise<ChangeSet[]>;

  /** Removes dead row versions and transactions older than the GC window, and expired rows. */
  gc(): Promise<GcResult>;

  close(): Promise<void>;
}

export interface StoreOptions {
  /** Revision quantization window in ms (default 5000; 0 disables). */
  readonly quantizationMs?: number;
  /** How long old revisions stay readable, in ms (default 24 h). */
  readonly gcWindowMs?: number;
  /** Background GC interval in ms (default 3 min; 0 disables the background job). */
  readonly gcIntervalMs?: number;
  /** Receives errors of the background GC job (default: ignored; the next run retries). */
  readonly onBackgroundError?: (error: unknown) => void;
}
