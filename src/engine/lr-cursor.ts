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
  return (after) => prefix + (plainTail(after) ?? Buffer.from(`${JSON.stringify(after)}}`, 'utf8').toString('base64url'));
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGITS = Uint16Array.from(BASE64URL, (c) => c.charCodeAt(0));
let bytes = new Uint8Array(66);
let chars = new Uint16Array(88);

/**
 * base64url of `"<id>"}` for an id of printable ASCII without `"` or `\\` (what JSON writes
 * verbatim, and every id SpiceDB's id syntax allows); undefined for any other id.
 */
function plainTail(id: string): string | undefined {
  if (id.length > 1024) return undefined;
  const n = id.length + 3;
  if (n + 2 > bytes.length) {
    bytes = new Uint8Array(n * 2 + 2);
    chars = new Uint16Array(Math.ceil(bytes.length / 3) * 4);
  }
  bytes[0] = 0x22;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return undefined;
    bytes[i + 1] = c;
  }
  bytes[n - 2] = 0x22;
  bytes[n - 1] = 0x7d;
  bytes[n] = 0;
  bytes[n + 1] = 0;
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1] as number;
    const c = bytes[i + 2] as number;
    chars[o++] = DIGITS[a >> 2] as number;
    chars[o++] = DIGITS[((a & 3) << 4) | (b >> 4)] as number;
    chars[o++] = DIGITS[((b & 15) << 2) | (c >> 6)] as number;
    chars[o++] = DIGITS[c & 63] as number;
  }
  // Unpadded: a last group of one byte has two digits, of two bytes three.
  const rest = n % 3;
  if (rest !== 0) o -= 3 - rest;
  return String.fromCharCode.apply(null, chars.subarray(0, o) as unknown as number[]);
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
