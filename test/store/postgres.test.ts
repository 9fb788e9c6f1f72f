import { expect, test } from 'vitest';
import { DatastoreUnavailableError, parseRelationship } from '../../src/core/index.js';
import { openStore } from '../../src/store/index.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import { describePostgres } from './postgres-env.js';
import { runStoreConformance } from './store.case.js';

describePostgres('postgres store', (db) => {
  // Each store gets its own schema in the run's throwaway database, so every test starts empty.
  runStoreConformance('postgres', (options) => PostgresStore.open({ ...options, url: db.url(), schema: db.schema(), maxConnections: 4 }));

  const shared = (schema: string): PostgresStoreOptions => ({
    url: db.url(),
    schema,
    quantizationMs: 0,
    gcIntervalMs: 0,
    maxConnections: 3,
  });

  test('processes starting at once migrate once and agree on the unique id', async () => {
    const schema = db.schema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(shared(schema))));
    try {
      expect(new Set(stores.map((s) => s.uniqueId)).size).toBe(1);
      expect(await Promise.all(stores.map((s) => s.headRevision()))).toEqual([1, 1, 1, 1]);
      const again = await PostgresStore.open(shared(schema));
      expect(again.uniqueId).toBe(stores[0]!.uniqueId);
      await again.close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('two stores on one database see each other’s writes at the revisions given, and lose none', async () => {
    const schema = db.schema();
    const [a, b] = await Promise.all([PostgresStore.open(shared(schema)), PostgresStore.open(shared(schema))]);
    try {
      const write = (s: PostgresStore, id: string) =>
        s.write((tx) => tx.apply([{ operation: 'create', relationship: parseRelationship(`document:${id}#viewer@user:tom`) }]));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => write(i % 2 === 0 ? a : b, `d${i}`)));
      expect(results.map((r) => r.revision).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      const { revision } = await write(a, 'late');
      expect(await b.headRevision()).toBe(revision);
      expect((await b.reader(revision).query({ resourceType: 'document', resourceIds: ['late'] })).length).toBe(1);
      expect((await b.reader(revision - 1).query({ resourceType: 'document', resourceIds: ['late'] })).length).toBe(0);
      expect(await a.reader(revision).count({ resourceType: 'document' })).toBe(21);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('openStore accepts postgres:// URLs', async () => {
    const s = await openStore(db.url(), { gcIntervalMs: 0 });
    try {
      expect(s.kind).toBe('postgres');
      expect(await s.headRevision()).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });
});

test('an unreachable Postgres is a DatastoreUnavailableError, not a driver error', async () => {
  const err = await PostgresStore.open({ url: 'postgres://postgres@127.0.0.1:1/none', gcIntervalMs: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DatastoreUnavailableError);
  expect((err as Error).message).toMatch(/^datastore unavailable: PostgreSQL connection failed: .*ECONNREFUSED/);
});
