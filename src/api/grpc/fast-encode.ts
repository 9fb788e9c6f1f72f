/**
 * A hand-written encoder for the one response every authorization check returns:
 * CheckPermissionResponse carrying only `checked_at` and `permissionship`. @bufbuild/protobuf's
 * reflective toBinary costs several times the socket work of such a small message; this
 * writes the same bytes directly and declines (undefined) anything else, which then goes
 * through toBinary. The property test holds it byte-for-byte to toBinary.
 */
import type { CheckPermissionResponse } from '../../gen/authzed/api/v1/permission_service_pb.js';

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n >>>= 7;
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

function hasUnknown(m: { readonly $unknown?: readonly unknown[] | undefined }): boolean {
  return m.$unknown !== undefined && m.$unknown.length > 0;
}

/** The encoded message, or undefined when it carries anything beyond a token and a permissionship. */
export function encodeSimpleCheckResponse(m: CheckPermissionResponse): Buffer | undefined {
  if (m.partialCaveatInfo !== undefined || m.debugTrace !== undefined || m.optionalExpiresAt !== undefined || hasUnknown(m))
    return undefined;
  const p = m.permissionship;
  // Enum values are int32 varints; negative or large ones stay with the general encoder.
  if (!Number.isInteger(p) || p < 0 || p >= 0x80) return undefined;
  const zed = m.checkedAt;
  let tokenBytes = 0;
  let inner = 0;
  if (zed !== undefined) {
    if (hasUnknown(zed)) return undefined;
    if (zed.token !== '') {
      tokenBytes = Buffer.byteLength(zed.token);
      inner = 1 + varintLength(tokenBytes) + tokenBytes;
    }
  }
  const size = (zed !== undefined ? 1 + varintLength(inner) + inner : 0) + (p !== 0 ? 2 : 0);
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  if (zed !== undefined) {
    buf[at++] = 0x0a; // field 1 (checked_at), length-delimited
    at = writeVarint(buf, at, inner);
    if (tokenBytes > 0) {
      buf[at++] = 0x0a; // ZedToken field 1 (token), length-delimited
      at = writeVarint(buf, at, tokenBytes);
      at += buf.write(zed.token, at, 'utf8');
    }
  }
  if (p !== 0) {
    buf[at++] = 0x10; // field 2 (permissionship), varint
    buf[at++] = p;
  }
  return buf;
}
