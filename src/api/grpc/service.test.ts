import { afterEach, describe, expect, it } from 'vitest';
import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, Server, ServerCredentials, status as Code } from '@grpc/grpc-js';
import type { LookupResourcesResult } from '../../engine/index.js';
import {
  LookupResourcesRequestSchema,
  LookupResourcesResponseSchema,
  PermissionsService,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import type { GrpcStatus } from './errors.js';
import { permissionsService } from './permissions-service.js';
import { buildService, type CallGate } from './service.js';
import type { TrellisPort } from './trellis-port.js';

/** A Trellis double whose lookup yields forever and records how far the consumer pulled. */
function endlessLookup(): { port: TrellisPort; pulled: () => number; finished: Promise<void> } {
  let pulled = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const port = {
    async *lookupResources(): AsyncIterable<LookupResourcesResult> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield { resourceId: `r${i}`, permissionship: 'has_permission', lookedUpAt: 'tok', afterResultCursor: `c${i}` };
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        finish();
      }
    },
  } as unknown as TrellisPort;
  return { port, pulled: () => pulled, finished };
}

let server: Server | undefined;
let client: Client | undefined;

afterEach(async () => {
  client?.close();
  await new Promise<void>((r) => (server ? server.tryShutdown(() => r()) : r()));
  server = undefined;
  client = undefined;
});

async function serve(port: TrellisPort, observed: GrpcStatus[]): Promise<Client> {
  const gate: CallGate = {
    resolve: () => Promise.resolve(port),
    observe: (_m, s) => observed.push(s),
  };
  const { definition, implementation } = buildService(PermissionsService, permissionsService, gate);
  server = new Server();
  server.addService(definition, implementation);
  const p = await new Promise<number>((res, rej) =>
    server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, n) => (e ? rej(e) : res(n))),
  );
  client = new Client(`127.0.0.1:${p}`, credentials.createInsecure());
  return client;
}

const request = toBinary(
  LookupResourcesRequestSchema,
  create(LookupResourcesRequestSchema, {
    resourceObjectType: 'doc',
    permission: 'view',
    subject: { object: { objectType: 'user', objectId: 'a' } },
  }),
);

describe('buildService', () => {
  it('stops pulling results once the client cancels a stream', async () => {
    const d = endlessLookup();
    const observed: GrpcStatus[] = [];
    const c = await serve(d.port, observed);
    const call = c.makeServerStreamRequest(
      '/authzed.api.v1.PermissionsService/LookupResources',
      (b: Buffer) => b,
      (b: Buffer) => fromBinary(LookupResourcesResponseSchema, b),
      Buffer.from(request),
      new Metadata(),
      {},
    );
    const ids: string[] = [];
    await new Promise<void>((resolve) => {
      call.on('data', (m: { resourceObjectId: string }) => {
        ids.push(m.resourceObjectId);
        if (ids.length === 3) {
          call.cancel();
          resolve();
        }
      });
      call.on('error', () => undefined);
    });
    await d.finished;
    const atCancel = d.pulled();
    await new Promise((r) => setTimeout(r, 100));
    expect(ids).toEqual(['r0', 'r1', 'r2']);
    expect(d.pulled()).toBe(atCancel);
    expect(atCancel).toBeLessThan(50);
    expect(observed.map((s) => s.code)).toEqual([Code.CANCELLED]);
  });

  it('ends a stream at its deadline with DEADLINE_EXCEEDED and stops the work behind it', async () => {
    const d = endlessLookup();
    const observed: GrpcStatus[] = [];
    const c = await serve(d.port, observed);
    const code = await new Promise<number>((resolve) => {
      const call = c.makeServerStreamRequest(
        '/authzed.api.v1.PermissionsService/LookupResources',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(request),
        new Metadata(),
        {
          deadline: Date.now() + 30,
        },
      );
      call.on('data', () => undefined);
      call.on('error', (e: { code: number }) => resolve(e.code));
    });
    expect(code).toBe(Code.DEADLINE_EXCEEDED);
    await d.finished;
    const after = d.pulled();
    await new Promise((r) => setTimeout(r, 100));
    expect(d.pulled()).toBe(after);
  });
});
