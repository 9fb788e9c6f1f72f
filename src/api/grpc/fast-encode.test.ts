import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  CheckPermissionResponseSchema,
  type CheckPermissionResponse_Permissionship,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import { encodeSimpleCheckResponse } from './fast-encode.js';

const reference = (m: ReturnType<typeof create<typeof CheckPermissionResponseSchema>>): Buffer =>
  Buffer.from(toBinary(CheckPermissionResponseSchema, m));

describe('encodeSimpleCheckResponse', () => {
  it('writes the same bytes as toBinary for any token and permissionship', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'grapheme', maxLength: 300 }), { nil: undefined }),
        fc.integer({ min: 0, max: 127 }),
        (token, permissionship) => {
          const m = create(CheckPermissionResponseSchema, { permissionship, ...(token !== undefined ? { checkedAt: { token } } : {}) });
          expect(encodeSimpleCheckResponse(m)).toEqual(reference(m));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches toBinary on raw UTF-16 tokens, lone surrogates included', () => {
    const char = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 200 }), (token) => {
        const m = create(CheckPermissionResponseSchema, { checkedAt: { token }, permissionship: 1 });
        expect(encodeSimpleCheckResponse(m)).toEqual(reference(m));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a typical answer exactly', () => {
    const m = create(CheckPermissionResponseSchema, { checkedAt: { token: 'ab' }, permissionship: 2 });
    expect([...(encodeSimpleCheckResponse(m) ?? [])]).toEqual([0x0a, 0x04, 0x0a, 0x02, 0x61, 0x62, 0x10, 0x02]);
  });

  it('declines messages with more than a token and a permissionship', () => {
    const base = { checkedAt: { token: 't' }, permissionship: 3 };
    expect(
      encodeSimpleCheckResponse(create(CheckPermissionResponseSchema, { ...base, partialCaveatInfo: { missingRequiredContext: ['x'] } })),
    ).toBeUndefined();
    expect(encodeSimpleCheckResponse(create(CheckPermissionResponseSchema, { ...base, debugTrace: {} }))).toBeUndefined();
    expect(
      encodeSimpleCheckResponse(create(CheckPermissionResponseSchema, { ...base, optionalExpiresAt: { seconds: 1n } })),
    ).toBeUndefined();
    expect(
      encodeSimpleCheckResponse(
        create(CheckPermissionResponseSchema, { ...base, permissionship: -1 as CheckPermissionResponse_Permissionship }),
      ),
    ).toBeUndefined();
    expect(
      encodeSimpleCheckResponse(
        create(CheckPermissionResponseSchema, { ...base, permissionship: 200 as CheckPermissionResponse_Permissionship }),
      ),
    ).toBeUndefined();
    const unknown = create(CheckPermissionResponseSchema, base);
    unknown.$unknown = [{ no: 9, wireType: 0, data: new Uint8Array([1]) }];
    expect(encodeSimpleCheckResponse(unknown)).toBeUndefined();
  });
});
