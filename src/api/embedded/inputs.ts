/** The string shorthands the embedded API accepts (`'document:readme'`, `'user:alice'`, relationship text). */
import { parseObjectRef, parseRelationship, parseSubjectRef } from '../../core/index.js';
import type { ObjectRef, Relationship, RelationshipUpdate, SubjectRef } from '../../core/index.js';

export type RelationshipInput = string | Relationship;
export type ObjectInput = string | ObjectRef;
export type SubjectInput = string | SubjectRef;

export function toRelationship(x: RelationshipInput): Relationship {
  return typeof x === 'string' ? parseRelationship(x) : x;
}

export function toObjectRef(x: ObjectInput): ObjectRef {
  return typeof x === 'string' ? parseObjectRef(x) : x;
}

export function toSubjectRef(x: SubjectInput): SubjectRef {
  return typeof x === 'string' ? parseSubjectRef(x) : x;
}

/** A bare relationship (string or object) in an update list means TOUCH, the idempotent write. */
export function toUpdate(x: RelationshipUpdate | RelationshipInput): RelationshipUpdate {
  if (typeof x === 'string') return { operation: 'touch', relationship: parseRelationship(x) };
  if ('operation' in x && 'relationship' in x) return x;
  return { operation: 'touch', relationship: x };
}
