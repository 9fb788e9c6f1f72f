/** Metrics, the decision log, and shutdown while a Watch is open. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { pino } from 'pino';
import { Metadata } from '@grpc/grpc-js';
import { ServerMetrics } from '../../src/api/grpc/index.js';
import { startHarness } from './server-harness.js';
import { FULL, obj, rejection, rel, subj, update } from './helpers.js';

const SCHEMA = 'definition user {}\ndefinition doc {\n  relation viewer: user\n  permission view = viewer\n}';

describe('observability', () => {
  it('counts requests per RPC and status, and exposes engine counters', async () => {
    const metrics = new ServerMetrics();
    const h = await startHarness({ server: { metrics } });
    try {
      const c = h.client().promises;
      await c.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
      await c.checkPermission(
        v1.CheckPermissionRequest.create({ resource: obj('doc', '1'), permission: 'view', subject: subj('user:a'), consistency: FULL() }),
      );
      await rejection(
        c.checkPermission(v1.CheckPermissionRequest.create({ resource: obj('nope', '1'), permission: 'view', subject: subj('user:a') })),
      );
      const { port, server } = await metrics.listen('127.0.0.1', 0);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      server.close();
      expect(text).toContain(
        'grpc_server_handled_total{grpc_service="authzed.api.v1.PermissionsService",grpc_method="CheckPermission",grpc_code="OK"} 1',
      );
      expect(text).toContain(
        'grpc_server_handled_total{grpc_service="authzed.api.v1.PermissionsService",grpc_method="CheckPermission",grpc_code="FailedPrecondition"} 1',
      );
      expect(text).toContain(
        'grpc_server_handled_total{grpc_service="authzed.api.v1.SchemaService",grpc_method="WriteSchema",grpc_code="OK"} 1',
      );
      expect(text).toMatch(
        /grpc_server_handling_seconds_count\{grpc_service="authzed.api.v1.PermissionsService",grpc_method="CheckPermission"\} 2/,
      );
      expect(text).toContain('trellis_cache_hits_total');
      expect(text).toContain('trellis_recursive_query_answers_total');
    } finally {
      await h.close();
    }
  });

  it('writes one decision line per check, never the token', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const h = await startHarness({ keys: ['super-secret'], server: { decisionLog: true, logger: pino({ level: 'debug' }, sink) } });
    try {
      const c = h.client('super-secret').promises;
      await c.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
      const w = await c.writeRelationships(
        v1.WriteRelationshipsRequest.create({ updates: [update('create', rel('doc:1#viewer@user:a'))] }),
      );
      await c.checkPermission(
        v1.CheckPermissionRequest.create({ resource: obj('doc', '1'), permission: 'view', subject: subj('user:a'), consistency: FULL() }),
      );
      const decisions = lines.filter((l) => l['component'] === 'decision');
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({
        resource: 'doc:1',
        permission: 'view',
        subject: 'user:a',
        result: 'has_permission',
        msg: 'check',
      });
      expect(typeof decisions[0]?.['revision']).toBe('number');
      expect(typeof decisions[0]?.['durationMs']).toBe('number');
      expect(w.writtenAt?.token).toBeTruthy();
      expect(JSON.stringify(lines)).not.toContain('super-secret');
    } finally {
      await h.close();
    }
  });

  it('echoes x-request-id in the response headers', async () => {
    const h = await startHarness();
    try {
      const raw = h.client();
      const md = new Metadata();
      md.set('x-request-id', 'req-42');
      const headers = await new Promise<Metadata>((resolve, reject) => {
        const call = raw.readSchema(v1.ReadSchemaRequest.create({}), md, () => undefined);
        call.on('metadata', resolve);
        call.on('error', reject);
      });
      expect(headers.get('x-request-id')).toEqual(['req-42']);
    } finally {
      await h.close();
    }
  });

  it('ends open Watch streams when the server shuts down, without waiting out the grace period', async () => {
    const h = await startHarness({ server: { shutdownGraceMs: 60_000 } });
    const raw = h.client();
    await raw.promises.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
    const stream = raw.watch(v1.WatchRequest.create({}));
    const ended = new Promise<string>((resolve) => {
      // Flowing mode: a paused readable never emits 'end'.
      stream.on('data', () => undefined);
      stream.on('end', () => resolve('end'));
      stream.on('error', (e: { code: number }) => resolve(`error ${e.code}`));
    });
    // Let the stream reach the server before shutting down.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await h.close();
    expect(await ended).toMatch(/^(end|error \d+)$/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
