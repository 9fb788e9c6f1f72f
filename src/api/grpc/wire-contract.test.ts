/**
 * The wire contract against an independent oracle: every authzed.api.v1 message and service the
 * official Node client (@authzed/authzed-node, generated from the upstream protos with protobuf-ts)
 * knows must exist in our descriptors with the same field numbers, names, kinds, types and
 * oneofs, and the same RPCs with the same streaming shape.
 */
import { describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { createRegistry, ScalarType, type DescEnum, type DescField } from '@bufbuild/protobuf';
import { file_authzed_api_v1_experimental_service } from '../../gen/authzed/api/v1/experimental_service_pb.js';
import { file_authzed_api_v1_permission_service } from '../../gen/authzed/api/v1/permission_service_pb.js';
import { file_authzed_api_v1_schema_service } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { file_authzed_api_v1_watch_service } from '../../gen/authzed/api/v1/watch_service_pb.js';
import { file_authzed_api_v1_error_reason } from '../../gen/authzed/api/v1/error_reason_pb.js';
import { file_authzed_api_v1_core } from '../../gen/authzed/api/v1/core_pb.js';
import { file_authzed_api_v1_debug } from '../../gen/authzed/api/v1/debug_pb.js';

const registry = createRegistry(
  file_authzed_api_v1_core,
  file_authzed_api_v1_debug,
  file_authzed_api_v1_permission_service,
  file_authzed_api_v1_schema_service,
  file_authzed_api_v1_watch_service,
  file_authzed_api_v1_experimental_service,
  file_authzed_api_v1_error_reason,
);

interface PtField {
  no: number;
  name: string;
  kind: 'scalar' | 'message' | 'enum' | 'map';
  T: number | (() => { typeName: string } | [string, unknown]);
  repeat?: number;
  oneof?: string;
  K?: number;
  V?: { kind: string; T: unknown };
}

interface PtMessage {
  typeName: string;
  fields: readonly PtField[];
}

function isMessageType(x: unknown): x is PtMessage {
  return typeof x === 'object' && x !== null && 'typeName' in x && 'fields' in x && typeof (x as PtMessage).typeName === 'string';
}

function theirs(f: PtField): string {
  const repeated = f.repeat ? 'repeated ' : '';
  const oneof = f.oneof ? ` oneof ${f.oneof.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}` : '';
  switch (f.kind) {
    case 'scalar':
      return `${f.no} ${f.name} ${repeated}${ScalarType[f.T as number]}${oneof}`;
    case 'message':
      return `${f.no} ${f.name} ${repeated}${(f.T as () => { typeName: string })().typeName}${oneof}`;
    case 'enum':
      return `${f.no} ${f.name} ${repeated}enum ${(f.T as () => [string, unknown])()[0]}${oneof}`;
    case 'map':
      return `${f.no} ${f.name} map`;
  }
}

function ours(f: DescField): string {
  const oneof = f.oneof ? ` oneof ${f.oneof.name}` : '';
  switch (f.fieldKind) {
    case 'scalar':
      return `${f.number} ${f.name} ${ScalarType[f.scalar]}${oneof}`;
    case 'message':
      return `${f.number} ${f.name} ${f.message.typeName}${oneof}`;
    case 'enum':
      return `${f.number} ${f.name} enum ${f.enum.typeName}${oneof}`;
    case 'list':
      return `${f.number} ${f.name} repeated ${f.listKind === 'scalar' ? ScalarType[f.scalar] : f.listKind === 'message' ? f.message.typeName : `enum ${f.enum.typeName}`}`;
    case 'map':
      return `${f.number} ${f.name} map`;
  }
}

const messages = Object.values(v1 as unknown as Record<string, unknown>)
  .filter(isMessageType)
  .filter((m) => m.typeName.startsWith('authzed.api.v1.'));

describe('wire contract vs @authzed/authzed-node', () => {
  it('covers the client messages', () => {
    expect(messages.length).toBeGreaterThan(90);
  });

  it.each(messages.map((m) => [m.typeName, m] as const))('%s', (typeName, m) => {
    const desc = registry.getMessage(typeName);
    expect(desc, `${typeName} is missing`).toBeDefined();
    const mine = new Map(desc!.fields.map((f) => [f.number, ours(f)]));
    for (const f of m.fields) {
      expect(mine.get(f.no), `${typeName} field ${f.no}`).toBe(theirs(f));
    }
  });

  it('has the same services, RPCs and streaming shapes', () => {
    const services = Object.values(v1 as unknown as Record<string, unknown>).filter(
      (x): x is { typeName: string; methods: { name: string; serverStreaming?: boolean; clientStreaming?: boolean }[] } =>
        typeof x === 'object' &&
        x !== null &&
        'methods' in x &&
        'typeName' in x &&
        String((x as { typeName: unknown }).typeName).startsWith('authzed.api.v1.'),
    );
    expect(services.map((s) => s.typeName).sort()).toEqual([
      'authzed.api.v1.ExperimentalService',
      'authzed.api.v1.PermissionsService',
      'authzed.api.v1.SchemaService',
      'authzed.api.v1.WatchService',
    ]);
    for (const s of services) {
      const desc = registry.getService(s.typeName);
      const shape = (m: { name: string; serverStreaming?: boolean; clientStreaming?: boolean }) =>
        `${m.name}:${m.clientStreaming ? 'client_streaming' : m.serverStreaming ? 'server_streaming' : 'unary'}`;
      expect(desc?.methods.map((m) => `${m.name}:${m.methodKind}`).sort()).toEqual(s.methods.map(shape).sort());
    }
  });

  it('has the same enums with the same values', () => {
    const enums: DescEnum[] = [];
    for (const t of registry) if (t.kind === 'enum' && t.typeName.startsWith('authzed.api.v1.')) enums.push(t);
    expect(enums.length).toBeGreaterThan(10);
    const exported = v1 as unknown as Record<string, Record<string, unknown> | undefined>;
    let compared = 0;
    for (const e of enums) {
      const theirsEnum = exported[e.typeName.slice('authzed.api.v1.'.length).replace(/\./g, '_')];
      // authzed-node does not re-export debug.proto's enums; the rest must match exactly.
      if (theirsEnum === undefined && e.typeName.includes('Debug')) continue;
      if (theirsEnum === undefined && e.typeName.includes('CaveatEvalInfo')) continue;
      expect(theirsEnum, e.typeName).toBeDefined();
      const theirValues = Object.entries(theirsEnum!)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k}=${String(v)}`)
        .sort();
      // Ours may be newer (ERROR_REASON_DATASTORE_NOT_MIGRATED = 30 postdates this client): a superset.
      expect(e.values.map((v) => `${v.localName}=${v.number}`).sort(), e.typeName).toEqual(expect.arrayContaining(theirValues));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(9);
  });
});
