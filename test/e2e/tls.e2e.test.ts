/** TLS with --grpc-tls-cert-path / --grpc-tls-key-path: a client trusting the certificate connects and authenticates. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { Trellis } from '../../src/api/embedded/index.js';
import { RemoteTrellis, singleTrellis, startServer, type RunningServer } from '../../src/api/grpc/index.js';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  server = await startServer({
    address: '127.0.0.1:0',
    provider: singleTrellis(await Trellis.open({ datastore: 'memory', quantizationMs: 0 })),
    presharedKeys: ['tls-key'],
    tls: { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') },
    shutdownGraceMs: 2_000,
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves authzed-node over TLS with a custom CA', async () => {
    const client = v1.NewClientWithCustomCert('tls-key', `localhost:${server.port}`, readFileSync(join(dir, 'cert.pem')));
    try {
      const r = await client.promises.writeSchema(v1.WriteSchemaRequest.create({ schema: 'definition user {}' }));
      expect(r.writtenAt?.token).toBeTruthy();
      const s = await client.promises.readSchema(v1.ReadSchemaRequest.create({}));
      expect(s.schemaText).toBe('definition user {}\n');
    } finally {
      client.close();
    }
  });

  it('serves the CLI client over TLS, sending the token as call credentials', async () => {
    const remote = new RemoteTrellis(`localhost:${server.port}`, { token: 'tls-key', caCertificate: readFileSync(join(dir, 'cert.pem')) });
    try {
      expect((await remote.readSchema()).text).toBe('definition user {}\n');
    } finally {
      await remote.close();
    }
    const wrong = new RemoteTrellis(`localhost:${server.port}`, { token: 'nope', caCertificate: readFileSync(join(dir, 'cert.pem')) });
    try {
      await expect(wrong.readSchema()).rejects.toMatchObject({ code: 7, message: 'invalid preshared key: invalid token' });
    } finally {
      await wrong.close();
    }
  });
});
