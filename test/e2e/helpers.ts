/** Builders for authzed-node requests and a decoder for the ErrorInfo detail of a gRPC error. */
import { v1 } from '@authzed/authzed-node';
import { fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { ErrorInfoSchema } from '../../src/gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../src/gen/google/rpc/status_pb.js';

export const obj = (type: string, id: string): v1.ObjectReference => v1.ObjectReference.create({ objectType: type, objectId: id });

export function subj(text: string): v1.SubjectReference {
  const [o, relation] = text.split('#');
  const [type, id] = (o ?? '').split(':');
  return v1.SubjectReference.create({ object: obj(type ?? '', id ?? ''), optionalRelation: relation ?? '' });
}

/** `document:1#viewer@user:a` → Relationship (no caveat). */
export function rel(text: string, caveat?: { name: string; context?: Record<string, unknown> }): v1.Relationship {
  const [left, right] = text.split('@');
  const [o, relation] = (left ?? '').split('#');
  const [type, id] = (o ?? '').split(':');
  return v1.Relationship.create({
    resource: obj(type ?? '', id ?? ''),
    relation: relation ?? '',
    subject: subj(right ?? ''),
    ...(caveat
      ? {
          optionalCaveat: v1.ContextualizedCaveat.create({
            caveatName: caveat.name,
            ...(caveat.context
              ? { context: v1.createStructFromObject(caveat.context as Parameters<typeof v1.createStructFromObject>[0]) }
              : {}),
          }),
        }
      : {}),
  });
}

export function update(op: 'create' | 'touch' | 'delete', r: v1.Relationship): v1.RelationshipUpdate {
  const operation =
    op === 'create'
      ? v1.RelationshipUpdate_Operation.CREATE
      : op === 'touch'
        ? v1.RelationshipUpdate_Operation.TOUCH
        : v1.RelationshipUpdate_Operation.DELETE;
  return v1.RelationshipUpdate.create({ operation, relationship: r });
}

export const FULL = (): v1.Consistency => v1.Consistency.create({ requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true } });
export const FRESH = (token: string): v1.Consistency =>
  v1.Consistency.create({ requirement: { oneofKind: 'atLeastAsFresh', atLeastAsFresh: v1.ZedToken.create({ token }) } });

export interface DecodedError {
  code: number;
  message: string;
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
}

/** The gRPC code, message and (when present) the ErrorInfo from `grpc-status-details-bin`. */
export function decodeError(err: unknown): DecodedError {
  const e = err as { code: number; details: string; metadata?: { get(k: string): (string | Buffer)[] } };
  const out: DecodedError = { code: e.code, message: e.details };
  const bin = e.metadata?.get('grpc-status-details-bin')[0];
  if (bin instanceof Buffer) {
    const status = fromBinary(StatusSchema, bin);
    const any = status.details[0];
    const info = any ? anyUnpack(any, ErrorInfoSchema) : undefined;
    if (info) {
      out.reason = info.reason;
      out.domain = info.domain;
      out.metadata = { ...info.metadata };
    }
  }
  return out;
}

export async function rejection(p: Promise<unknown>): Promise<DecodedError> {
  try {
    await p;
  } catch (e) {
    return decodeError(e);
  }
  throw new Error('expected the call to fail');
}
