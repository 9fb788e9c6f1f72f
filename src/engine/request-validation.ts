/** Checks that a request's types and relations exist in the schema it reads (reference §1.6). */
import {
  DefinitionNotFoundError,
  ELLIPSIS,
  RelationNotFoundError,
  WildcardNotAllowedError,
  WILDCARD_ID,
  type SubjectRef,
} from '../core/index.js';
import type { Definition, Permission, Relation, Schema } from '../schema/index.js';

export function requireDefinition(schema: Schema, type: string): Definition {
  const def = schema.definitions.get(type);
  if (!def) throw new DefinitionNotFoundError(type);
  return def;
}

export function requireMember(schema: Schema, type: string, name: string): Relation | Permission {
  const m = requireDefinition(schema, type).members.get(name);
  if (!m) throw new RelationNotFoundError(type, name);
  return m;
}

/** The subject's type must exist, and its relation too when it names one. */
export function validateSubject(schema: Schema, subject: SubjectRef, wildcardField?: { field: string; what: string }): void {
  if (wildcardField && subject.id === WILDCARD_ID) throw new WildcardNotAllowedError(wildcardField.field, wildcardField.what);
  requireDefinition(schema, subject.type);
  if (subject.relation !== undefined && subject.relation !== ELLIPSIS) requireMember(schema, subject.type, subject.relation);
}

/** `#...` in a request means a plain subject. */
export function normalizeSubject(subject: SubjectRef): SubjectRef {
  return subject.relation === ELLIPSIS ? { type: subject.type, id: subject.id } : subject;
}
