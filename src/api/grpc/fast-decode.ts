/**
 * A hand-written decoder for the request every authorization check sends: CheckPermissionRequest
 * with only resource, permission and subject, all strings ASCII. @bufbuild/protobuf's reflective
 * fromBinary was the largest single cost of a cached check's wrapper. Anything else (consistency,
 * context, tracing, repeated or unknown fields, non-ASCII text, odd wire types) returns
 * undefined and goes through fromBinary; the property test holds results equal to fromBinary.
 */
import type { ObjectReference, SubjectReference } from '../../gen/authzed/api/v1/core_pb.js';
import type { CheckPermissionRequest } from '../../gen/authzed/api/v1/permission_service_pb.js';

/** A cursor over one length-delimited region; `fail` marks anything the fast path declines. */
interface Cursor {
  pos: number;
  fail: boolean;
}

function readLength(b: Buffer, c: Cursor, end: number): number {
  let n = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (c.pos >= end) break;
    const byte = b[c.pos++] ?? 0;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      if (c.pos + n > end) break;
      return n;
    }
  }
  c.fail = true;
  return 0;
}

function readAscii(b: Buffer, c: Cursor, end: number): string {
  const len = readLength(b, c, end);
  if (c.fail) return '';
  const start = c.pos;
  c.pos += len;
  for (let i = start; i < c.pos; i++) {
    if ((b[i] ?? 0x80) >= 0x80) {
      c.fail = true;
      return '';
    }
  }
  return b.toString('latin1', start, c.pos);
}

const OBJECT_REFERENCE = 'authzed.api.v1.ObjectReference';

function readObject(b: Buffer, c: Cursor, end: number): ObjectReference {
  let objectType: string | undefined;
  let objectId: string | undefined;
  while (c.pos < end && !c.fail) {
    const tag = b[c.pos++];
    if (tag === 0x0a && objectType === undefined) objectType = readAscii(b, c, end);
    else if (tag === 0x12 && objectId === undefined) objectId = readAscii(b, c, end);
    else c.fail = true;
  }
  return { $typeName: OBJECT_REFERENCE, objectType: objectType ?? '', objectId: objectId ?? '' };
}

/** The decoded request, or undefined when the fast path declines it. */
export function decodeSimpleCheckRequest(bytes: Uint8Array): CheckPermissionRequest | undefined {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Cursor = { pos: 0, fail: false };
  const total = b.length;
  let resource: ObjectReference | undefined;
  let permission: string | undefined;
  let subject: SubjectReference | undefined;
  while (c.pos < total && !c.fail) {
    const tag = b[c.pos++];
    if (tag === 0x12 && resource === undefined) {
      const len = readLength(b, c, total);
      if (c.fail) break;
      resource = readObject(b, c, c.pos + len);
    } else if (tag === 0x1a && permission === undefined) {
      permission = readAscii(b, c, total);
    } else if (tag === 0x22 && subject === undefined) {
      const len = readLength(b, c, total);
      if (c.fail) break;
      subject = readSubject(b, c, c.pos + len);
    } else {
      c.fail = true;
    }
  }
  if (c.fail) return undefined;
  const p = permission ?? '';
  // Same keys in the same order as fromBinary: absent message fields are left out.
  if (subject) {
    return resource
      ? { $typeName: CHECK_REQUEST, resource, permission: p, subject, withTracing: false }
      : { $typeName: CHECK_REQUEST, permission: p, subject, withTracing: false };
  }
  return resource
    ? { $typeName: CHECK_REQUEST, resource, permission: p, withTracing: false }
    : { $typeName: CHECK_REQUEST, permission: p, withTracing: false };
}

const CHECK_REQUEST = 'authzed.api.v1.CheckPermissionRequest';
const SUBJECT_REFERENCE = 'authzed.api.v1.SubjectReference';

function readSubject(b: Buffer, c: Cursor, end: number): SubjectReference {
  let object: ObjectReference | undefined;
  let relation: string | undefined;
  while (c.pos < end && !c.fail) {
    const t = b[c.pos++];
    if (t === 0x0a && object === undefined) {
      const l = readLength(b, c, end);
      if (c.fail) break;
      object = readObject(b, c, c.pos + l);
    } else if (t === 0x12 && relation === undefined) relation = readAscii(b, c, end);
    else c.fail = true;
  }
  return object
    ? { $typeName: SUBJECT_REFERENCE, object, optionalRelation: relation ?? '' }
    : { $typeName: SUBJECT_REFERENCE, optionalRelation: relation ?? '' };
}
