/**
 * Revisions and ZedTokens. A revision is a positive integer assigned to each committed
 * write transaction, in commit order, by the store. A ZedToken is our own opaque encoding
 * (clients treat tokens as opaque, reference §5.6): base64 of
 *   `t1.<revision>.<first 8 chars of the store's unique id>[.<schema hash prefix>]`.
 */
import { InvalidRevisionError } from './errors.js';

export type Revision = number;

export interface DecodedZedToken {
  readonly revision: Revision;
  /** First 8 characters of the issuing store's unique id. */
  readonly storeIdPrefix: string;
  readonly schemaHash?: string;
}

const STORE_PREFIX_LEN = 8;

export function encodeZedToken(revision: Revision, storeId: string, schemaHash?: string): string {
  const parts = ['t1', String(revision), storeId.slice(0, STORE_PREFIX_LEN)];
  if (schemaHash) parts.push(schemaHash.slice(0, 16));
  return Buffer.from(parts.join('.'), 'utf8').toString('base64');
}

export function decodeZedToken(token: string): DecodedZedToken {
  if (!token) throw new InvalidRevisionError('malformed', 'empty token');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw new InvalidRevisionError('malformed', 'token is not base64');
  const text = Buffer.from(token, 'base64').toString('utf8');
  const parts = text.split('.');
  if (parts[0] !== 't1' || parts.length < 3 || parts.length > 4) throw new InvalidRevisionError('malformed', 'unknown token format');
  const rev = parts[1] ?? '';
  if (!/^[1-9][0-9]{0,15}$/.test(rev)) throw new InvalidRevisionError('malformed', 'bad revision in token');
  const storeIdPrefix = parts[2] ?? '';
  if (!storeIdPrefix) throw new InvalidRevisionError('malformed', 'token has no datastore id');
  const schemaHash = parts[3];
  return schemaHash ? { revision: Number(rev), storeIdPrefix, schemaHash } : { revision: Number(rev), storeIdPrefix };
}

/** Whether a decoded token was issued by the store with this unique id. */
export function tokenMatchesStore(t: DecodedZedToken, storeId: string): boolean {
  return t.storeIdPrefix === storeId.slice(0, STORE_PREFIX_LEN);
}
