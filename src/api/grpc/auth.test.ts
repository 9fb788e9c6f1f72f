import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Metadata, status as Code } from '@grpc/grpc-js';
import { bearerToken, presharedKeyAuth } from './auth.js';
import { StatusError } from './service.js';

function md(header?: string): Metadata {
  const m = new Metadata();
  if (header !== undefined) m.set('authorization', header);
  return m;
}

function outcome(f: () => void): { code: number; message: string } | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof StatusError) return { code: e.status.code, message: e.status.message };
    throw e;
  }
}

describe('presharedKeyAuth', () => {
  const auth = presharedKeyAuth(['alpha', 'beta-key']);

  it('accepts every configured key, with any case of the scheme', () => {
    expect(outcome(() => auth(md('Bearer alpha')))).toBe('ok');
    expect(outcome(() => auth(md('bearer beta-key')))).toBe('ok');
    expect(outcome(() => auth(md('BEARER alpha')))).toBe('ok');
  });

  it('answers UNAUTHENTICATED without a usable header and PERMISSION_DENIED for a wrong key', () => {
    expect(outcome(() => auth(md()))).toEqual({
      code: Code.UNAUTHENTICATED,
      message: 'invalid preshared key: Request unauthenticated with bearer',
    });
    expect(outcome(() => auth(md('Basic alpha')))).toEqual({
      code: Code.UNAUTHENTICATED,
      message: 'invalid preshared key: Request unauthenticated with bearer',
    });
    expect(outcome(() => auth(md('Bearer ')))).toEqual({ code: Code.UNAUTHENTICATED, message: 'missing preshared key' });
    expect(outcome(() => auth(md('Bearer alph')))).toEqual({
      code: Code.PERMISSION_DENIED,
      message: 'invalid preshared key: invalid token',
    });
    expect(outcome(() => auth(md('Bearer alpha ')))).toEqual('ok');
  });

  it('accepts exactly the configured keys (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s.trim() === s && !/[\r\n]/.test(s)),
        (token) => {
          const r = outcome(() => auth(md(`Bearer ${token}`)));
          expect(r === 'ok').toBe(token === 'alpha' || token === 'beta-key');
        },
      ),
    );
  });

  it('refuses to be configured without keys', () => {
    expect(() => presharedKeyAuth([])).toThrow('preshared keys must be non-empty');
    expect(() => presharedKeyAuth([''])).toThrow('preshared keys must be non-empty');
  });

  it('extracts bearer tokens for serve-testing', () => {
    expect(bearerToken(md())).toBeUndefined();
    expect(bearerToken(md('Bearer t-1'))).toBe('t-1');
  });
});
