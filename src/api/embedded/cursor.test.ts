import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidCursorError, formatRelationshipKey } from '../../core/index.js';
import type { Relationship } from '../../core/index.js';
import { callHash, decodeCursor, encodeCursor } from './cursor.js';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{1,7}[a-z0-9]$/);
const id = fc.stringMatching(/^[a-zA-Z0-9/_|=+-]{1,12}$/);
const relationship: fc.Arbitrary<Relationship> = fc.record({
  resource: fc.record({ type: name, id }),
  relation: name,
  subject: fc.oneof(fc.record({ type: name, id }), fc.record({ type: name, id, relation: name })),
});

describe('read/export cursors', () => {
  it('round-trip the revision and the last relationship', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), relationship, (rev, rel) => {
        const hash = callHash('read', { rel });
        const d = decodeCursor(encodeCursor(rev, hash, rel), hash);
        expect(d.revision).toBe(rev);
        expect(formatRelationshipKey(d.after)).toBe(formatRelationshipKey(rel));
      }),
    );
  });

  it('refuse another call, garbage, and tampering', () => {
    const rel: Relationship = { resource: { type: 'doc', id: 'a' }, relation: 'viewer', subject: { type: 'user', id: 'u' } };
    const token = encodeCursor(3, callHash('read', { a: 1 }), rel);
    expect(() => decodeCursor(token, callHash('read', { a: 2 }))).toThrow(
      new InvalidCursorError('the cursor was issued for a different request'),
    );
    expect(() => decodeCursor('not a cursor', 'x')).toThrow(new InvalidCursorError('the cursor could not be decoded'));
    const forged = Buffer.from(JSON.stringify({ v: 1, r: 0, h: 'x', a: 'doc:a#viewer@user:u' })).toString('base64url');
    expect(() => decodeCursor(forged, 'x')).toThrow(InvalidCursorError);
  });

  it('hash parameters independently of key order', () => {
    expect(callHash('read', { filter: { resourceType: 'd', relation: 'v' }, limit: 2 })).toBe(
      callHash('read', { limit: 2, filter: { relation: 'v', resourceType: 'd' } }),
    );
    expect(callHash('read', { limit: 2 })).not.toBe(callHash('export', { limit: 2 }));
  });
});
