/**
 * Postgres migration 3: relationships_by_subject INCLUDEs the revision, expiry and caveat
 * columns so reverse reads can be index-only. A store made before it gets it on open.
 */
import pg from 'pg';
import { expect, test } from 'vitest';
import { parseRelationship } from '../../src/core/index.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import { describePostgres } from './postgres-env.js';

describePostgres('postgres covering subject index', (db) => {
  const options = (schema: string): PostgresStoreOptions => ({
    url: db.url(),
    schema,
    quantizationMs: 0,
    gcIntervalMs: 0,
    maxConnections: 2,
  });

  async function sql<T>(schema: string, text: string): Promise<T[]> {
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    try {
      await c.query(`SET search_path TO "${schema}"`);
      return (await c.query(text)).rows as T[];
    } finally {
      await c.end();
    }
  }
  const indexdef = async (schema: string) =>
    (
      await sql<{ indexdef: string }>(
        schema,
        `SELECT indexdef FROM pg_indexes WHERE schemaname = '${schema}' AND indexname = 'relationships_by_subject'`,
      )
    )[0]?.indexdef;

  test('a store made before migration 3 gets the covering index on open, data intact', async () => {
    const schema = db.schema();
    const s1 = await PostgresStore.open(options(schema));
    await s1.write((tx) => tx.apply([{ operation: 'create', relationship: parseRelationship('document:a#viewer@user:tom') }]));
    await s1.close();
    expect(await indexdef(schema)).toContain('INCLUDE (created_rev, deleted_rev, expires_at, caveat_name)');
    // Back to version 2: the old index.
    await sql(
      schema,
      `DROP INDEX relationships_by_subject;
       CREATE INDEX relationships_by_subject ON relationships (subject_type, subject_id, subject_relation, resource_type, relation, resource_id);
       DROP TABLE nested_heights;
       DELETE FROM trellis_migrations WHERE version >= 3;`,
    );
    expect(await indexdef(schema)).not.toContain('INCLUDE');
    const s2 = await PostgresStore.open(options(schema));
    try {
      expect(await indexdef(schema)).toContain('INCLUDE (created_rev, deleted_rev, expires_at, caveat_name)');
      const r = await s2.reader(await s2.headRevision()).reverseIds({
        resourceType: 'document',
        relation: 'viewer',
        subject: { type: 'user', ids: ['tom'], relation: '...' },
      });
      expect(r.bySubject).toEqual(new Map([['tom', ['a']]]));
    } finally {
      await s2.close();
    }
  });
});
