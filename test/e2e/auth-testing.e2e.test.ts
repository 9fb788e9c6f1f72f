/** Preshared-key auth, unauthenticated health, server reflection, and serve-testing's per-token isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { startHarness, type Harness } from './server-harness.js';
import { FULL, obj, rejection, rel, subj, update } from './helpers.js';

const SCHEMA = 'definition user {}\ndefinition doc {\n  relation viewer: user\n}';

function rawUnary(endpoint: string, path: string, body: Buffer, md = new Metadata()): Promise<Buffer> {
  const client = new Client(endpoint, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      {},
      (err, res) => {
        client.close();
        if (err || !res) reject(err);
        else resolve(res);
      },
    );
  });
}

describe('preshared keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ keys: ['first-key', 'second-key'] });
  });
  afterAll(async () => {
    await h.close();
  });

  it('accepts any configured key', async () => {
    for (const key of ['first-key', 'second-key']) {
      const r = await h.client(key).promises.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
      expect(r.writtenAt?.token).toBeTruthy();
    }
  });

  it('rejects a wrong key with PERMISSION_DENIED', async () => {
    const e = await rejection(h.client('wrong').promises.readSchema(v1.ReadSchemaRequest.create({})));
    expect(e).toEqual({ code: status.PERMISSION_DENIED, message: 'invalid preshared key: invalid token' });
  });

  it('rejects a missing or non-bearer header with UNAUTHENTICATED; the scheme is case-insensitive', async () => {
    const missing = await rawUnary(h.endpoint, '/authzed.api.v1.SchemaService/ReadSchema', Buffer.alloc(0)).catch(
      (e: { code: number; details: string }) => e,
    );
    expect(missing).toMatchObject({ code: status.UNAUTHENTICATED });
    const md = new Metadata();
    md.set('authorization', 'bearer first-key');
    const ok = await rawUnary(h.endpoint, '/authzed.api.v1.SchemaService/ReadSchema', Buffer.alloc(0), md);
    expect(ok.toString('utf8')).toContain('definition doc');
    const basic = new Metadata();
    basic.set('authorization', 'Basic first-key');
    const e = await rawUnary(h.endpoint, '/authzed.api.v1.SchemaService/ReadSchema', Buffer.alloc(0), basic).catch(
      (x: { code: number; details: string }) => x,
    );
    expect(e).toMatchObject({ code: status.UNAUTHENTICATED, details: 'invalid preshared key: Request unauthenticated with bearer' });
  });

  it('serves grpc.health.v1 without a key', async () => {
    // HealthCheckRequest{service: ""} is the empty message; SERVING = 1 is encoded as field 1 varint 1.
    const res = await rawUnary(h.endpoint, '/grpc.health.v1.Health/Check', Buffer.alloc(0));
    expect([...res]).toEqual([0x08, 0x01]);
  });

  it('serves gRPC reflection listing the authzed services', async () => {
    const client = new Client(h.endpoint, credentials.createInsecure());
    const md = new Metadata();
    md.set('authorization', 'Bearer first-key');
    const call = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (b: Buffer) => b,
      (b: Buffer) => b,
      md,
      {},
    );
    const got = await new Promise<string>((resolve, reject) => {
      call.on('data', (b: Buffer) => {
        resolve(b.toString('latin1'));
        call.end();
      });
      call.on('error', reject);
      // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
      call.write(Buffer.from([0x3a, 0x00]));
    });
    client.close();
    for (const s of [
      'authzed.api.v1.PermissionsService',
      'authzed.api.v1.SchemaService',
      'authzed.api.v1.WatchService',
      'authzed.api.v1.ExperimentalService',
    ]) {
      expect(got).toContain(s);
    }
  });
});

describe('serve-testing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ testing: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('gives each token its own empty store', async () => {
    const tokenA = `a-${Date.now()}`;
    const a = h.client(tokenA).promises;
    const b = h.client(`b-${Date.now()}`).promises;
    await a.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
    await a.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('create', rel('doc:1#viewer@user:ann'))] }));
    const e = await rejection(b.readSchema(v1.ReadSchemaRequest.create({})));
    expect(e).toEqual({ code: status.NOT_FOUND, message: 'no schema has been defined; please call WriteSchema to start' });
    await b.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
    const check = (c: typeof a) =>
      c.checkPermission(
        v1.CheckPermissionRequest.create({
          resource: obj('doc', '1'),
          permission: 'viewer',
          subject: subj('user:ann'),
          consistency: FULL(),
        }),
      );
    expect((await check(a)).permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
    expect((await check(b)).permissionship).toBe(v1.CheckPermissionResponse_Permissionship.NO_PERMISSION);
    // The same token on a new connection reaches the same store.
    expect((await check(h.client(tokenA).promises)).permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
  });
});

describe('a store without a schema', () => {
  it('answers checks with UNKNOWN_DEFINITION, as SpiceDB and the authzed-node test suite expect', async () => {
    const h = await startHarness({ testing: true });
    try {
      const c = h.client(`empty-${Date.now()}`).promises;
      const e = await rejection(
        c.checkPermission(
          v1.CheckPermissionRequest.create({
            resource: obj('test/somenamespace', 'bar'),
            permission: 'someperm',
            subject: subj('test/user:someuser'),
          }),
        ),
      );
      expect(e).toEqual({
        code: status.FAILED_PRECONDITION,
        message: 'object definition `test/somenamespace` not found',
        reason: 'ERROR_REASON_UNKNOWN_DEFINITION',
        domain: 'authzed.com',
        metadata: { definition_name: 'test/somenamespace' },
      });
      const lr = await rejection(
        c.lookupResources(v1.LookupResourcesRequest.create({ resourceObjectType: 'doc', permission: 'view', subject: subj('user:a') })),
      );
      expect(lr.code).toBe(status.FAILED_PRECONDITION);
      const raw = h.client(`empty-import-${Date.now()}`);
      const imported = await new Promise<{ code: number; details: string }>((resolve) => {
        const stream = raw.importBulkRelationships((err) => resolve(err as unknown as { code: number; details: string }));
        stream.write(v1.ImportBulkRelationshipsRequest.create({ relationships: [rel('doc:1#viewer@user:a')] }));
        stream.end();
      });
      expect(imported).toMatchObject({ code: status.FAILED_PRECONDITION, details: 'object definition `doc` not found' });
    } finally {
      await h.close();
    }
  });
});

describe('read-only server', () => {
  it('answers writes with UNAVAILABLE, SERVICE_READ_ONLY', async () => {
    const h = await startHarness({ readOnly: true });
    try {
      const e = await rejection(h.client().promises.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA })));
      expect(e).toMatchObject({ code: status.UNAVAILABLE, reason: 'ERROR_REASON_SERVICE_READ_ONLY', message: 'service read-only' });
    } finally {
      await h.close();
    }
  });
});
