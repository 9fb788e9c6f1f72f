/**
 * Relationship filters, as used by ReadRelationships, DeleteRelationships, preconditions,
 * the store's queries and Watch.
 */

export interface SubjectFilter {
  readonly type: string;
  /** Exact subject ids; absent means any id. */
  readonly ids?: readonly string[];
  /**
   * Absent means any subject relation. `ELLIPSIS` ('...') means only subjects without a
   * relation (the API's `RelationFilter{relation: ""}`). Any other string matches exactly.
   */
  readonly relation?: string;
}

export interface RelationshipFilter {
  /** Absent (or '') means any resource type; only allowed when another field is set. */
  readonly resourceType?: string;
  readonly resourceIds?: readonly string[];
  readonly resourceIdPrefix?: string;
  readonly relation?: string;
  readonly subject?: SubjectFilter;
  /**
   * Internal only (not on the wire; used by schema-change orphan checks): a caveat name
   * matches relationships carrying that caveat, `null` those carrying none.
   */
  readonly caveatName?: string | null;
  /** Internal only: match relationships with (true) or without (false) an expiration. */
  readonly hasExpiration?: boolean;
}

export type PreconditionOperation = 'must_match' | 'must_not_match';

export interface Precondition {
  readonly operation: PreconditionOperation;
  readonly filter: RelationshipFilter;
}

export function isEmptyFilter(f: RelationshipFilter): boolean {
  return !f.resourceType && f.resourceIds === undefined && !f.resourceIdPrefix && !f.relation && f.subject === undefined;
}
