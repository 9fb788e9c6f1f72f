import { describe, expect, it } from 'vitest';
import { InvalidRevisionError } from './errors.js';
import { decodeZedToken, encodeZedToken, tokenMatchesStore } from './revision.js';

describe('zed tokens', () => {
  it('round-trip revision, store id prefix and schema hash', () => {
    const t = encodeZedToken(42, 'abcdef0123456789', 'deadbeefdeadbeefdeadbeef');
    expect(decodeZedToken(t)).toEqual({ revision: 42, storeIdPrefix: 'abcdef01', schemaHash: 'deadbeefdeadbeef' });
    expect(tokenMatchesStore(decodeZedToken(t), 'abcdef0199999')).toBe(true);
    expect(tokenMatchesStore(decodeZedToken(t), 'zzzzzzzz')).toBe(false);
  });

  it('rejects malformed tokens as invalid revisions', () => {
    for (const bad of [
      '',
      '!!!',
      Buffer.from('t2.5.abc').toString('base64'),
      Buffer.from('t1.0.abc').toString('base64'),
      Buffer.from('t1.x.abc').toString('base64'),
    ]) {
      expect(() => decodeZedToken(bad)).toThrow(InvalidRevisionError);
    }
    expect(() => decodeZedToken('')).toThrow('invalid revision requested: empty token');
  });
});
