/**
 * The SQLite schema, versioned through `PRAGMA user_version` and applied inside
 * `BEGIN IMMEDIATE` so two processes opening one new file create it exactly once.
 *
 * relationships is WITHOUT ROWID with the resource-order key as primary key: point checks
 * read the row straight from the key b-tree. Uniqueness of the live version per key is
 * enforced by the writer (writers are serialised), which keeps bulk imports to two b-trees
 * plus the small change-feed index.
 */
import { randomUUID } from 'node:crypto';
import { NESTED_VERSIONS_SQL, fillHeights, type NestedRow } from '../nested-heights.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { sqliteHeightOps } from './sqlite-reader.js';

/** A migration: SQL, or a step that needs code. */
type Migration = string | ((conn: SqliteConnection) => Promise<void>);

const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE transactions (
    revision INTEGER PRIMARY KEY,
    committed_at INTEGER NOT NULL,
    metadata TEXT,
    schema_changed INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX transactions_by_time ON transactions (committed_at);
  CREATE TABLE schemas (revision INTEGER PRIMARY KEY, text TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE TABLE relationships (
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    relation TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_relation TEXT NOT NULL,
    caveat_name TEXT,
    caveat_context TEXT,
    expires_at INTEGER,
    created_rev INTEGER NOT NULL,
    deleted_rev INTEGER,
    PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, created_rev)
  ) WITHOUT ROWID;
  CREATE INDEX relationships_by_subject
    ON relationships (subject_type, subject_id, subject_relation, resource_type, relation, resource_id);
  CREATE INDEX relationships_by_created ON relationships (created_rev);
  CREATE INDEX relationships_by_deleted ON relationships (deleted_rev) WHERE deleted_rev IS NOT NULL;
  CREATE INDEX relationships_by_expiry ON relationships (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // Relationship counters: named filters, versioned like relationships.
  `
  CREATE TABLE counters (
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    created_rev INTEGER NOT NULL,
    deleted_rev INTEGER,
    PRIMARY KEY (name, created_rev)
  ) WITHOUT ROWID;
  `,
  // The subject index covers reverse lookups: the revision, expiry and caveat columns a reverse
  // read filters on are in the index, so reading a folder's 100k documents never visits the
  // table (a primary-key lookup per row made it ten times slower). Same name, so the dialect's
  // INDEXED BY still names it; bulk imports rebuild it from its definition in sqlite_master.
  `
  DROP INDEX relationships_by_subject;
  CREATE INDEX relationships_by_subject ON relationships
    (subject_type, subject_id, subject_relation, resource_type, relation, resource_id, created_rev, deleted_rev, expires_at, caveat_name);
  `,
  // The nested-set index (../nested-heights.ts), filled from every stored version of every
  // nested relationship, so it bounds every revision still readable.
  async (conn) => {
    conn.exec(`
      CREATE TABLE nested_heights (
        object_type TEXT NOT NULL,
        relation TEXT NOT NULL,
        object_id TEXT NOT NULL,
        height INTEGER NOT NULL,
        PRIMARY KEY (object_type, relation, object_id)
      ) WITHOUT ROWID;
    `);
    await fillHeights(sqliteHeightOps(conn), conn.allRaw<NestedRow>(NESTED_VERSIONS_SQL));
  },
];

/** Applies pending migrations; the caller holds the write lock (BEGIN IMMEDIATE). */
export async function migrateSqlite(conn: SqliteConnection, now: number): Promise<void> {
  const row = conn.get<{ user_version: number }>('PRAGMA user_version');
  const version = row?.user_version ?? 0;
  for (let v = version; v < MIGRATIONS.length; v++) {
    const m = MIGRATIONS[v]!;
    if (typeof m === 'string') conn.exec(m);
    else await m(conn);
    if (v === 0) {
      conn.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['unique_id', randomUUID()]);
      // A fresh store starts at an empty revision 1 so head is always >= 1.
      conn.run('INSERT INTO transactions (revision, committed_at, schema_changed) VALUES (1, ?, 0)', [now]);
    }
    conn.exec(`PRAGMA user_version = ${v + 1}`);
  }
}
