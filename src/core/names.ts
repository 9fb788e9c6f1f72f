/**
 * Name and id rules of SpiceDB's API (reference §1.3, §2.4). Shared by the schema compiler,
 * the text form parser and the gRPC request validation.
 */

export const TYPE_NAME_RE = /^([a-z][a-z0-9_]{1,61}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
export const RELATION_NAME_RE = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
export const CAVEAT_NAME_RE = /^(([a-zA-Z0-9_][a-zA-Z0-9/_|-]{0,127})|\*)$/;
export const OBJECT_ID_RE = /^(([a-zA-Z0-9/_|\-=+]{1,})|\*)$/;
export const FILTER_ID_RE = /^([a-zA-Z0-9/_|\-=+]{1,})?$/;

export const MAX_TYPE_NAME_BYTES = 128;
export const MAX_OBJECT_ID_BYTES = 1024;
export const MAX_RELATION_NAME_BYTES = 64;

export function isValidTypeName(s: string): boolean {
  return s.length <= MAX_TYPE_NAME_BYTES && TYPE_NAME_RE.test(s);
}

export function isValidRelationName(s: string): boolean {
  return s.length <= MAX_RELATION_NAME_BYTES && RELATION_NAME_RE.test(s);
}

export function isValidCaveatName(s: string): boolean {
  return Buffer.byteLength(s) <= 128 && CAVEAT_NAME_RE.test(s);
}

/** Accepts `*`; callers reject the wildcard where it is not allowed. */
export function isValidObjectId(s: string): boolean {
  return Buffer.byteLength(s) <= MAX_OBJECT_ID_BYTES && OBJECT_ID_RE.test(s);
}
