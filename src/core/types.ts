/**
 * The domain values every layer shares: objects, subjects, relationships.
 *
 * A subject's `relation` is absent for a plain object subject (SpiceDB's `...`, the
 * ellipsis); a wildcard subject has id `*` and never a relation.
 */

/** The id that marks a public wildcard subject, `user:*`. */
export const WILDCARD_ID = '*';
/** SpiceDB's name for "no subject relation", as it appears in text and storage. */
export const ELLIPSIS = '...';

export interface ObjectRef {
  readonly type: string;
  readonly id: string;
}

export interface SubjectRef {
  readonly type: string;
  readonly id: string;
  /** Absent for a plain subject (`user:tom`); set for a subject set (`group:eng#member`). */
  readonly relation?: string;
}

/** JSON-compatible value, the shape of caveat context (google.protobuf.Struct). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export interface CaveatRef {
  readonly name: string;
  /** Context stored with the relationship; absent when none was given. */
  readonly context?: JsonObject;
}

export interface Relationship {
  readonly resource: ObjectRef;
  readonly relation: string;
  readonly subject: SubjectRef;
  readonly caveat?: CaveatRef;
  readonly expiresAt?: Date;
}

export type UpdateOperation = 'create' | 'touch' | 'delete';

export interface RelationshipUpdate {
  readonly operation: UpdateOperation;
  readonly relationship: Relationship;
}

/** Identity of a relationship: caveat and expiration are not part of it (reference §5.1). */
export function relationshipKey(r: Relationship): string {
  const s = r.subject;
  return `${r.resource.type}:${r.resource.id}#${r.relation}@${s.type}:${s.id}#${s.relation ?? ELLIPSIS}`;
}

export function isWildcard(subject: SubjectRef): boolean {
  return subject.id === WILDCARD_ID;
}
