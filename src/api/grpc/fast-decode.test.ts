import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { CheckPermissionRequestSchema } from '../../gen/authzed/api/v1/permission_service_pb.js';
import { decodeSimpleCheckRequest } from './fast-decode.js';

const text = fc.string({
  unit: fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c)),
  maxLength: 40,
});
const ascii = fc.string({ unit: 'binary-ascii', maxLength: 200 });
const str = fc.oneof(ascii, ascii, text);
const objectRef = fc.record({ objectType: str, objectId: str }, { requiredKeys: [] });

describe('decodeSimpleCheckRequest', () => {
  it('decodes exactly what fromBinary decodes, or declines', () => {
    const simpleRequest = fc.record(
      { resource: objectRef, permission: str, subject: fc.record({ object: objectRef, optionalRelation: str }, { requiredKeys: [] }) },
      { requiredKeys: [] },
    );
    const fullRequest = fc.record(
      {
        resource: objectRef,
        permission: str,
        withTracing: fc.boolean(),
        consistency: fc.constant({ requirement: { case: 'fullyConsistent' as const, value: true } }),
      },
      { requiredKeys: [] },
    );
    const request = fc.oneof({ arbitrary: simpleRequest, weight: 4 }, { arbitrary: fullRequest, weight: 1 });
    let decoded = 0;
    fc.assert(
      fc.property(request, (init) => {
        const bytes = toBinary(CheckPermissionRequestSchema, create(CheckPermissionRequestSchema, init));
        const fast = decodeSimpleCheckRequest(bytes);
        if (fast !== undefined) {
          decoded++;
          expect(fast).toStrictEqual(fromBinary(CheckPermissionRequestSchema, bytes));
        }
        const simple =
          !('withTracing' in init && init.withTracing) &&
          !('consistency' in init) &&
          ![...JSON.stringify(init)].some((ch) => ch.charCodeAt(0) >= 0x80);
        expect(fast !== undefined).toBe(simple);
      }),
      { numRuns: 1000 },
    );
    expect(decoded).toBeGreaterThan(100);
  });

  it('declines truncated, repeated and unknown fields instead of guessing', () => {
    const bytes = toBinary(
      CheckPermissionRequestSchema,
      create(CheckPermissionRequestSchema, { resource: { objectType: 'doc', objectId: '1' }, permission: 'view' }),
    );
    expect(decodeSimpleCheckRequest(bytes)?.resource?.objectId).toBe('1');
    for (let cut = 1; cut < bytes.length; cut++) {
      const partial = decodeSimpleCheckRequest(bytes.subarray(0, cut));
      if (partial !== undefined) expect(partial).toStrictEqual(fromBinary(CheckPermissionRequestSchema, bytes.subarray(0, cut)));
    }
    expect(decodeSimpleCheckRequest(new Uint8Array([...bytes, ...bytes]))).toBeUndefined();
    expect(decodeSimpleCheckRequest(new Uint8Array([...bytes, 0x48, 0x01]))).toBeUndefined();
    expect(decodeSimpleCheckRequest(new Uint8Array([0x1a, 0x05, 0x61]))).toBeUndefined();
  });

  it('decodes an empty request to the default message', () => {
    expect(decodeSimpleCheckRequest(new Uint8Array())).toStrictEqual(fromBinary(CheckPermissionRequestSchema, new Uint8Array()));
  });
});
