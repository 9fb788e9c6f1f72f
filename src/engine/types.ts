/**
 * Requests and results of the permission engine. The embedded `Trellis` class exposes these
 * directly; the gRPC services translate protobuf messages to and from them.
 */
import type { JsonObject, ObjectRef, Relationship, Revision, SubjectRef } from '../core/index.js';

export type Permissionship = 'no_permission' | 'has_permission' | 'conditional_permission';

/** Which revision a read uses (reference §5.6). Absent = minimize latency. */
export type Consistency =
  | { readonly kind: 'minimize_latency' }
  | { readonly kind: 'at_least_as_fresh'; readonly token: string }
  | { readonly kind: 'at_exact_snapshot'; readonly token: string }
  | { readonly kind: 'fully_consistent' };

export interface CheckRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
  /** Return the explain trace. */
  readonly trace?: boolean;
}

/** The proof of a check: the sub-problems visited, each with its result and why. */
export interface CheckTrace {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly permissionType: 'relation' | 'permission';
  readonly subject: SubjectRef;
  readonly result: Permissionship;
  /** Caveat evaluated at this node, if any. */
  readonly caveat?: {
    readonly name: string;
    readonly expression: string;
    readonly result: 'true' | 'false' | 'missing_context';
    readonly context: JsonObject;
    readonly missing?: readonly string[];
  };
  /** For relation nodes: the relationships that decided the result. */
  readonly relationships?: readonly Relationship[];
  readonly wasCached: boolean;
  readonly durationMs: number;
  readonly children: readonly CheckTrace[];
}

export interface CheckResult {
  readonly permissionship: Permissionship;
  /** Missing caveat parameters, for conditional results. */
  readonly missingContext?: readonly string[];
  /** ZedToken of the revision read. */
  readonly checkedAt: string;
  readonly revision: Revision;
  readonly trace?: CheckTrace;
}

export interface BulkCheckItem {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: JsonObject;
}

export type BulkCheckItemResult =
  | { readonly ok: true; readonly permissionship: Permissionship; readonly missingContext?: readonly string[]; readonly trace?: CheckTrace }
  | { readonly ok: false; readonly error: Error };

export interface BulkCheckRequest {
  readonly items: readonly BulkCheckItem[];
  readonly consistency?: Consistency;
  readonly trace?: boolean;
}

export interface BulkCheckResult {
  readonly checkedAt: string;
  /** Same order as the request's items. */
  readonly results: readonly BulkCheckItemResult[];
}

/** SpiceDB's userset tree (PermissionRelationshipTree). */
export type ExpandTree =
  | {
      readonly kind: 'intermediate';
      readonly operation: 'union' | 'intersection' | 'exclusion';
      readonly children: readonly ExpandTree[];
      readonly expanded: ObjectRef;
      readonly relation: string;
    }
  | {
      readonly kind: 'leaf';
      readonly subjects: readonly (SubjectRef & { readonly caveated?: boolean })[];
      readonly expanded: ObjectRef;
      readonly relation: string;
    };

export interface ExpandRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly consistency?: Consistency;
  /** One level, as SpiceDB's API returns (default), or recursive for tools. */
  readonly recursive?: boolean;
}

export interface ExpandResult {
  readonly expandedAt: string;
  readonly tree: ExpandTree;
}

export interface LookupResourcesRequest {
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
  /** Stop after this many results (the page size); absent or 0 = all. */
  readonly limit?: number;
  /** `afterResultCursor` of a previous result; pins the revision of that call. */
  readonly cursor?: string;
}

export interface LookupResourcesResult {
  readonly resourceId: string;
  readonly permissionship: Exclude<Permissionship, 'no_permission'>;
  readonly missingContext?: readonly string[];
  readonly lookedUpAt: string;
  /** Resume after this result. */
  readonly afterResultCursor: string;
}

export interface LookupSubjectsRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  readonly subjectRelation?: string;
  readonly context?: JsonObject;
  readonly consistency?: Consistency;
}

export interface ResolvedSubject {
  readonly id: string;
  readonly permissionship: Exclude<Permissionship, 'no_permission'>;
  readonly missingContext?: readonly string[];
}

export interface LookupSubjectsResult {
  /** `id` is `*` for the wildcard, which then carries its exclusions. */
  readonly subject: ResolvedSubject;
  readonly excluded: readonly ResolvedSubject[];
  readonly lookedUpAt: string;
}

export interface OperationMetrics {
  readonly dispatches: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Checks (or bulk items) answered by recursive queries instead of the walk. */
  readonly recursiveAnswers: number;
  /** Checks with a recursive-query plan that the walk answered (caveats, depth, parts the queries cannot decide). */
  readonly recursiveWalks: number;
}

export interface EngineMetrics extends OperationMetrics {
  readonly byOperation: Readonly<Record<string, OperationMetrics>>;
}
