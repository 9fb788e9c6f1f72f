/**
 * Versioned Postgres migrations, applied at open under a session advisory lock so several
 * processes starting at once migrate exactly once. Each version runs in its own
 * transaction and is recorded in trellis_migrations.
 *
 * Text key columns use COLLATE "C" so ordering (and cursors) are byte order, identical to
 * SQLite's. Times are epoch milliseconds (bigint) from the database clock.
 */
import { randomUUID } from 'node:crypto';
import type { PgClient } from './driver.js';
import { NESTED_VERSIONS_SQL, fillHeights } from '../nested-heights.js';
import { CLOCK_MS, pgExec, pgQuery } from './pg-connection.js';
import { pgHeightOps } from './pg-reader.js';

const key = (name: string) => `${name} text COLLATE "C" NOT NULL`;

/** A migration's SQL (given a fresh unique id), and optionally a step that needs code, in the same transaction. */
type Migration = ((id: string) => string) & { readonly after?: (client: PgClient) => Promise<void> };

const MIGRATIONS: readonly Migration[] = [
  (uniqueId) => `
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    INSERT INTO meta (key, value) VALUES ('unique_id', '${uniqueId}');
    CREATE TABLE transactions (
      revision bigint PRIMARY KEY,
      committed_at bigint NOT NULL,
      metadata text,
      schema_changed boolean NOT NULL DEFAULT false
    );
    CREATE INDEX transactions_by_time ON transactions (committed_at);
    INSERT INTO transactions (revision, committed_at) VALUES (1, ${CLOCK_MS});
    CREATE TABLE schemas (revision bigint PRIMARY KEY, text text NOT NULL, hash text NOT NULL);
    CREATE TABLE relationships (
      ${key('resource_type')}, ${key('resource_id')}, ${key('relation')},
      ${key('subject_type')}, ${key('subject_id')}, ${key('subject_relation')},
      caveat_name text,
      caveat_context text,
      expires_at bigint,
      created_rev bigint NOT NULL,
      deleted_rev bigint,
      PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, created_rev)
    );
    CREATE INDEX relationships_by_subject
      ON relationships (subject_type, subject_id, subject_relation, resource_type, relation, resource_id);
    CREATE INDEX relationships_by_created ON relationships (created_rev);
    CREATE INDEX relationships_by_deleted ON relationships (deleted_rev) WHERE deleted_rev IS NOT NULL;
    CREATE INDEX relationships_by_expiry ON relationships (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // Relationship counters: named filters, versioned like relationships.
  () => `
    CREATE TABLE counters (
      name text NOT NULL,
      filter text NOT NULL,
      created_rev bigint NOT NULL,
      deleted_rev bigint,
      PRIMARY KEY (name, created_rev)
    );
  `,
  // The subject index covers reverse lookups (StoreReader.reverseIds): the revision, expiry and
  // caveat columns ride along, so a wide reverse read can be an index-only scan.
  () => `
    DROP INDEX relationships_by_subject;
    CREATE INDEX relationships_by_subject
      ON relationships (subject_type, subject_id, subject_relation, resource_type, relation, resource_id)
      INCLUDE (created_rev, deleted_rev, expires_at, caveat_name);
  `,
  // The nested-set index (../nested-heights.ts), filled from every stored version of every
  // nested relationship, so it bounds every revision still readable.
  Object.assign(
    () => `
      CREATE TABLE nested_heights (
        ${key('object_type')}, ${key('relation')}, ${key('object_id')},
        height integer NOT NULL,
        PRIMARY KEY (object_type, relation, object_id)
      );
    `,
    {
      after: async (client: PgClient) => {
        const rows = await pgQuery<{ resource_type: string; relation: string; resource_id: string; subject_id: string }>(
          client,
          NESTED_VERSIONS_SQL,
          [],
          false,
        );
        await fillHeights(
          pgHeightOps(client),
          rows.map((r) => [r.resource_type, r.relation, r.resource_id, r.subject_id] as const),
        );
      },
    },
  ),
];

export const MIGRATION_COUNT = MIGRATIONS.length;

/** Applies pending migrations in `schema` (created if missing); returns the store's unique id. */
export async function migratePostgres(client: PgClient, schema: string): Promise<string> {
  // Lock key: (namespace 7471, hash of the schema), so stores in different schemas don't wait on each other.
  await pgExec(client, 'SELECT pg_advisory_lock(7471, hashtext($1))', [schema]);
  try {
    await pgExec(client, `CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pgExec(
      client,
      'CREATE TABLE IF NOT EXISTS trellis_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const [row] = await pgQuery<{ v: number | null }>(client, 'SELECT max(version) AS v FROM trellis_migrations', [], false);
    for (let v = row?.v ?? 0; v < MIGRATIONS.length; v++) {
      await pgExec(client, 'BEGIN');
      try {
        const m = MIGRATIONS[v]!;
        await pgExec(client, m(randomUUID()));
        await m.after?.(client);
        await pgExec(client, 'INSERT INTO trellis_migrations (version) VALUES ($1)', [v + 1]);
        await pgExec(client, 'COMMIT');
      } catch (e) {
        await pgExec(client, 'ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
    const [id] = await pgQuery<{ value: string }>(client, "SELECT value FROM meta WHERE key = 'unique_id'", [], false);
    return id!.value;
  } finally {
    await pgExec(client, 'SELECT pg_advisory_unlock(7471, hashtext($1))', [schema]).catch(() => undefined);
  }
}
