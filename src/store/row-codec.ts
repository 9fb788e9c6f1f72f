/**
 * Conversion between relationships and table rows, shared by both adapters. A plain
 * subject is stored with subject_relation `...` (as SpiceDB does), so the identity
 * columns are never NULL and the key index covers every row.
 */
import { ELLIPSIS, type JsonObject, type Relationship } from '../core/index.js';

export interface RelationshipRow {
  readonly resource_type: string;
  readonly resource_id: string;
  readonly relation: string;
  readonly subject_type: string;
  readonly subject_id: string;
  readonly subject_relation: string;
  readonly caveat_name: string | null;
  readonly caveat_context: string | null;
  /** Epoch milliseconds. */
  readonly expires_at: number | null;
}

export function rowToRelationship(row: RelationshipRow): Relationship {
  const subject =
    row.subject_relation === ELLIPSIS
      ? { type: row.subject_type, id: row.subject_id }
      : { type: row.subject_type, id: row.subject_id, relation: row.subject_relation };
  const resource = { type: row.resource_type, id: row.resource_id };
  const caveat =
    row.caveat_name === null
      ? undefined
      : row.caveat_context === null
        ? { name: row.caveat_name }
        : { name: row.caveat_name, context: JSON.parse(row.caveat_context) as JsonObject };
  if (caveat === undefined && row.expires_at === null) return { resource, relation: row.relation, subject };
  return {
    resource,
    relation: row.relation,
    subject,
    ...(caveat ? { caveat } : {}),
    ...(row.expires_at !== null ? { expiresAt: new Date(Number(row.expires_at)) } : {}),
  };
}

/** A relationship row as an array in REL_COLUMNS order. */
export type RawRelationshipRow = readonly [string, string, string, string, string, string, string | null, string | null, number | null];

/** `rowToRelationship` for array rows, without building the intermediate object. */
export function rawRowToRelationship(row: RawRelationshipRow): Relationship {
  const [resourceType, resourceId, relation, subjectType, subjectId, subjectRelation, caveatName, caveatContext, expiresAt] = row;
  const subject =
    subjectRelation === ELLIPSIS ? { type: subjectType, id: subjectId } : { type: subjectType, id: subjectId, relation: subjectRelation };
  const resource = { type: resourceType, id: resourceId };
  if (caveatName === null && expiresAt === null) return { resource, relation, subject };
  const caveat =
    caveatName === null
      ? undefined
      : caveatContext === null
        ? { name: caveatName }
        : { name: caveatName, context: JSON.parse(caveatContext) as JsonObject };
  return {
    resource,
    relation,
    subject,
    ...(caveat ? { caveat } : {}),
    ...(expiresAt !== null ? { expiresAt: new Date(Number(expiresAt)) } : {}),
  };
}

/** Caveat context as stored: JSON text, or null when absent or empty. */
export function contextText(r: Relationship): string | null {
  const ctx = r.caveat?.context;
  return ctx && Object.keys(ctx).length > 0 ? JSON.stringify(ctx) : null;
}

/** The 9 stored column values of a relationship, in REL_COLUMNS order. */
export function relationshipValues(
  r: Relationship,
): [string, string, string, string, string, string, string | null, string | null, number | null] {
  return [
    r.resource.type,
    r.resource.id,
    r.relation,
    r.subject.type,
    r.subject.id,
    r.subject.relation ?? ELLIPSIS,
    r.caveat?.name ?? null,
    contextText(r),
    r.expiresAt ? r.expiresAt.getTime() : null,
  ];
}

/**
 * Orders relationships by their key columns (resource type, id, relation, subject type, id,
 * relation): the primary key's order for the ASCII names and ids the API accepts. 0 means
 * the same key, i.e. the same relationship whatever its caveat or expiration.
 */
export function compareKeys(a: Relationship, b: Relationship): number {
  let x = a.resource.type;
  let y = b.resource.type;
  if (x !== y) return x < y ? -1 : 1;
  x = a.resource.id;
  y = b.resource.id;
  if (x !== y) return x < y ? -1 : 1;
  x = a.relation;
  y = b.relation;
  if (x !== y) return x < y ? -1 : 1;
  const s = a.subject;
  const t = b.subject;
  x = s.type;
  y = t.type;
  if (x !== y) return x < y ? -1 : 1;
  x = s.id;
  y = t.id;
  if (x !== y) return x < y ? -1 : 1;
  x = s.relation ?? ELLIPSIS;
  y = t.relation ?? ELLIPSIS;
  if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/** `relationshipValues` written into `out` from `at` (no array per row); returns the next offset. */
export function writeRelationshipValues(r: Relationship, out: unknown[], at: number): number {
  const s = r.subject;
  out[at] = r.resource.type;
  out[at + 1] = r.resource.id;
  out[at + 2] = r.relation;
  out[at + 3] = s.type;
  out[at + 4] = s.id;
  out[at + 5] = s.relation ?? ELLIPSIS;
  const caveat = r.caveat;
  out[at + 6] = caveat === undefined ? null : caveat.name;
  out[at + 7] = caveat === undefined ? null : contextText(r);
  out[at + 8] = r.expiresAt ? r.expiresAt.getTime() : null;
  return at + 9;
}

export function keyValues(r: Relationship): [string, string, string, string, string, string] {
  return [r.resource.type, r.resource.id, r.relation, r.subject.type, r.subject.id, r.subject.relation ?? ELLIPSIS];
}
