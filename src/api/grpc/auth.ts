/**
 * Preshared-key authentication (SpiceDB `internal/auth/presharedkey.go`): `authorization:
 * Bearer <key>` with a case-insensitive scheme, any of several keys, compared in constant time.
 * Missing or malformed → UNAUTHENTICATED; wrong key → PERMISSION_DENIED.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { status as Code, type Metadata } from '@grpc/grpc-js';
import { StatusError } from './service.js';

const BEARER_RE = /^bearer\s+(.*)$/is;

/** The bearer token of a call: undefined when there is no authorization header, '' when it is empty. */
export function bearerToken(metadata: Metadata): string | undefined {
  const values = metadata.get('authorization');
  const header = values[0];
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header : header.toString('utf8');
  // `Bearer ` with nothing after it is an empty token (SpiceDB: "missing preshared key"); some
  // transports trim the trailing space, so a lone scheme counts the same.
  if (text.trim().toLowerCase() === 'bearer') return '';
  const m = BEARER_RE.exec(text);
  if (!m) {
    throw new StatusError({ code: Code.UNAUTHENTICATED, message: 'invalid preshared key: Request unauthenticated with bearer' });
  }
  return (m[1] ?? '').trim();
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export type Authenticator = (metadata: Metadata) => void;

export function presharedKeyAuth(keys: readonly string[]): Authenticator {
  if (keys.length === 0 || keys.some((k) => k.length === 0)) throw new Error('preshared keys must be non-empty');
  // Hashing first makes every comparison the same length, so timingSafeEqual never throws and
  // the time taken says nothing about how much of a key matched.
  const digests = keys.map(digest);
  return (metadata) => {
    const token = bearerToken(metadata);
    if (token === undefined) {
      throw new StatusError({ code: Code.UNAUTHENTICATED, message: 'invalid preshared key: Request unauthenticated with bearer' });
    }
    if (token === '') throw new StatusError({ code: Code.UNAUTHENTICATED, message: 'missing preshared key' });
    const d = digest(token);
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(d, k) || ok;
    if (!ok) throw new StatusError({ code: Code.PERMISSION_DENIED, message: 'invalid preshared key: invalid token' });
  };
}
