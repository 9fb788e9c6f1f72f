/**
 * Cursors of ReadRelationships and ExportBulkRelationships: the revision the first page read,
 * a hash of the call's parameters, and the last relationship returned. A cursor used with
 * different parameters, or one that does not decode, is an InvalidCursorError.
 */
import { createHash } from 'node:crypto';
import { InvalidCursorError, formatRelationshipKey, parseRelationship } from '../../core/index.js';
import type { Relationship, Revision } from '../../core/index.js';

export interface DecodedCursor {
  readonly revision: Revision;
  readonly after: Relationship;
}

/** Stable hash of the parameters that must not change between pages. */
export function callHash(kind: string, params: unknown): string {
  return createHash('sha256').update(kind).update('\0').update(canonicalJson(params)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

export function encodeCursor(revision: Revision, hash: string, after: Relationship): string {
  return Buffer.from(JSON.stringify({ v: 1, r: revision, h: hash, a: formatRelationshipKey(after) }), 'utf8').toString('base64url');
}

export function decodeCursor(token: string, hash: string): DecodedCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor could not be decoded');
  }
  if (parsed === null || typeof parsed !== 'object') throw new InvalidCursorError('the cursor could not be decoded');
  const c = parsed as { v?: unknown; r?: unknown; h?: unknown; a?: unknown };
  if (c.v !== 1 || typeof c.r !== 'number' || !Number.isSafeInteger(c.r) || c.r < 1 || typeof c.h !== 'string' || typeof c.a !== 'string') {
    throw new InvalidCursorError('the cursor could not be decoded');
  }
  if (c.h !== hash) throw new InvalidCursorError('the cursor was issued for a different request');
  let after: Relationship;
  try {
    after = parseRelationship(c.a);
  } catch {
    throw new InvalidCursorError('the cursor could not be decoded');
  }
  return { revision: c.r, after };
}
