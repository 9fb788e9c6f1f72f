/**
 * Two servers on one Postgres database serve the same data: a write through one is visible
 * through the other when the reader passes the write's ZedToken (at_least_as_fresh).
 * Needs TRELLIS_TEST_POSTGRES_URL; skips visibly without it, unless CI=true (then it fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { v1 } from '@authzed/authzed-node';
import { Trellis } from '../../src/api/embedded/index.js';
import { startHarness, type Harness } from './server-harness.js';
import { FRESH, obj, rel, subj, update } from './helpers.js';

const url = process.env['TRELLIS_TEST_POSTGRES_URL'];
const ci = process.env['CI'] === 'true';

if (!url && !ci) {
  describe('two servers on one Postgres database', () => {
    it('is skipped: set TRELLIS_TEST_POSTGRES_URL to run it', () => {
      console.warn('e2e Postgres suite skipped: TRELLIS_TEST_POSTGRES_URL is not set');
    });
  });
} else {
  describe('two servers on one Postgres database', () => {
    const name = `trellis_e2e_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    let admin: pg.Client;
    let a: Harness;
    let b: Harness;

    beforeAll(async () => {
      expect(url, 'TRELLIS_TEST_POSTGRES_URL must be set when CI=true').toBeTruthy();
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const u = new URL(url!);
      u.pathname = `/${name}`;
      // Default quantization (5 s) on both: only the ZedToken makes the reader see the write at once.
      a = await startHarness({ trellis: await Trellis.open({ datastore: u.toString(), gcIntervalMs: 0 }) });
      b = await startHarness({ trellis: await Trellis.open({ datastore: u.toString(), gcIntervalMs: 0 }) });
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin?.end();
    });

    it('reads its writes across servers through ZedTokens', async () => {
      const ca = a.client().promises;
      const cb = b.client().promises;
      const s = await ca.writeSchema(
        v1.WriteSchemaRequest.create({
          schema: 'definition user {}\ndefinition doc {\n  relation viewer: user\n  permission view = viewer\n}',
        }),
      );
      expect((await cb.readSchema(v1.ReadSchemaRequest.create({}))).schemaText).toContain('permission view = viewer');
      for (let i = 0; i < 5; i++) {
        const w = await ca.writeRelationships(
          v1.WriteRelationshipsRequest.create({ updates: [update('create', rel(`doc:d${i}#viewer@user:u${i}`))] }),
        );
        const token = w.writtenAt?.token ?? '';
        const r = await cb.checkPermission(
          v1.CheckPermissionRequest.create({
            resource: obj('doc', `d${i}`),
            permission: 'view',
            subject: subj(`user:u${i}`),
            consistency: FRESH(token),
          }),
        );
        expect(r.permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
      }
      expect(s.writtenAt?.token).toBeTruthy();
      // And the other way round, with a delete.
      const d = await cb.deleteRelationships(
        v1.DeleteRelationshipsRequest.create({
          relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'doc', optionalResourceId: 'd0' }),
        }),
      );
      const r = await ca.checkPermission(
        v1.CheckPermissionRequest.create({
          resource: obj('doc', 'd0'),
          permission: 'view',
          subject: subj('user:u0'),
          consistency: FRESH(d.deletedAt?.token ?? ''),
        }),
      );
      expect(r.permissionship).toBe(v1.CheckPermissionResponse_Permissionship.NO_PERMISSION);
    }, 60_000);
  });
}
