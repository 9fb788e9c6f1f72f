/**
 * LookupResources cursors: base64url of `{v, r: revision, h: call hash, a: last resource id}`.
 * Resuming pins the revision, and a cursor used with different call parameters is refused.
 */
import { createHash } from 'node:crypto';
import { InvalidCursorError, type JsonObject, type Revision, type SubjectRef } from '../core/index.js';

export interface LookupCursor {
  readonly revision: Revision;
  readonly hash: string;
  readonly after: string;
}

export function callHash(resourceType: string, permission: string, subject: SubjectRef, context: JsonObject | undefined): string {
  const text = JSON.stringify([resourceType, permission, subject.type, subject.id, subject.relation ?? '', context ?? null]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export function encodeCursor(c: LookupCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, r: c.revision, h: c.hash, a: c.after }), 'utf8').toString('base64url');
}

/**
 * `encodeCursor` for many ids of one call, cheaper per id: the JSON before the id is padded with
 * spaces to a whole number of 3-byte base64 groups, so its base64 is computed once and only the
 * id's part is encoded per result. Decodes exactly as `encodeCursor`'s output does.
 */
export function cursorEncoder(revision: Revision, hash: string): (after: string) => string {
  let head = `{"v":1,"r":${JSON.stringify(revision)},"h":${JSON.stringify(hash)},"a":`;
  const bytes = Buffer.byteLength(head, 'utf8');
  head = `{${' '.repeat((3 - (bytes % 3)) % 3)}${head.slice(1)}`;
  const prefix = Buffer.from(head, 'utf8').toString('base64url');
  return (after) => prefix + Buffer.from(`${JSON.stringify(after)}}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string, expectedHash: string): LookupCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('malformed cursor');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidCursorError('malformed cursor');
  const p = parsed as Record<string, unknown>;
  if (
    p['v'] !== 1 ||
    typeof p['r'] !== 'number' ||
    !Number.isSafeInteger(p['r']) ||
    p['r'] < 1 ||
    typeof p['h'] !== 'string' ||
    typeof p['a'] !== 'string'
  ) {
    throw new InvalidCursorError('malformed cursor');
  }
  if (p['h'] !== expectedHash) throw new InvalidCursorError('cursor was issued for a different request');
  return { revision: p['r'], hash: p['h'], after: p['a'] };
}
