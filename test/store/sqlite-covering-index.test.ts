/**
 * Migration 3 makes relationships_by_subject cover reverse lookups (the revision, expiry and
 * caveat columns are in the index). A store made before it must end up with the covering
 * index on open, keep its data, and a bulk import into an empty table must rebuild the index
 * with the same definition; reverse reads must then not touch the table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { parseRelationship } from '../../src/core/index.js';
import { openStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-covering-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD_INDEX =
  'CREATE INDEX relationships_by_subject ON relationships (subject_type, subject_id, subject_relation, resource_type, relation, resource_id)';
const COVERING = ['created_rev', 'deleted_rev', 'expires_at', 'caveat_name'];

function subjectIndex(path: string): { sql: string; version: number } {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'relationships_by_subject'").get() as {
      sql: string;
    };
    const version = db.pragma('user_version', { simple: true }) as number;
    return { sql: row.sql, version };
  } finally {
    db.close();
  }
}

const FILTER = { resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: ['tom'], relation: '...' } };

test('a store made before migration 3 gets the covering subject index on open, data intact', async () => {
  const path = join(dir, 'old.db');
  const s1 = await openStore(path, { gcIntervalMs: 0, quantizationMs: 0 });
  await s1.write((tx) =>
    tx.apply(
      ['document:a#viewer@user:tom', 'document:b#viewer@user:tom'].map((t) => ({
        operation: 'create',
        relationship: parseRelationship(t),
      })),
    ),
  );
  await s1.close();
  // Turn it back into a version-2 file: the old, non-covering index.
  const db = new Database(path);
  db.exec(`DROP INDEX relationships_by_subject; ${OLD_INDEX}; DROP TABLE nested_heights; PRAGMA user_version = 2;`);
  db.close();
  expect(subjectIndex(path)).toEqual({ sql: OLD_INDEX, version: 2 });

  const s2 = await openStore(path, { gcIntervalMs: 0, quantizationMs: 0 });
  try {
    const { sql, version } = subjectIndex(path);
    expect(version).toBe(4);
    for (const c of COVERING) expect(sql).toContain(c);
    expect(sql).toMatch(/\(subject_type, subject_id, subject_relation, resource_type, relation, resource_id,/);
    const r = await s2.reader(await s2.headRevision()).reverseIds(FILTER);
    expect(r.bySubject).toEqual(new Map([['tom', ['a', 'b']]]));
  } finally {
    await s2.close();
  }
  // Opening again is a no-op.
  const s3 = await openStore(path, { gcIntervalMs: 0, quantizationMs: 0 });
  await s3.close();
  expect(subjectIndex(path).version).toBe(4);
});

test('a bulk import into an empty table rebuilds the covering index, and reverse reads use it alone', async () => {
  const path = join(dir, 'bulk.db');
  const s = await openStore(path, { gcIntervalMs: 0, quantizationMs: 0 });
  const fresh = subjectIndex(path).sql;
  try {
    const rels = Array.from({ length: 6000 }, (_, i) => parseRelationship(`document:d${String(i).padStart(5, '0')}#viewer@user:tom`));
    await s.write((tx) => tx.bulkCreate(rels));
    const r = await s.reader(await s.headRevision()).reverseIds(FILTER);
    expect(r.bySubject.get('tom')).toHaveLength(6000);
    expect(r.bySubject.get('tom')?.[0]).toBe('d00000');
  } finally {
    await s.close();
  }
  expect(subjectIndex(path).sql).toBe(fresh);
  for (const c of COVERING) expect(fresh).toContain(c);
  const db = new Database(path, { readonly: true });
  try {
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT resource_id, caveat_name FROM relationships INDEXED BY relationships_by_subject
         WHERE resource_type = ? AND relation = ? AND subject_type = ? AND subject_id = ? AND subject_relation = ?
         AND created_rev <= ? AND (deleted_rev IS NULL OR deleted_rev > ?) AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY subject_id, resource_id`,
      )
      .all('document', 'viewer', 'user', 'tom', '...', 10, 10, 0) as { detail: string }[];
    const detail = plan.map((p) => p.detail).join('\n');
    expect(detail).toContain('COVERING INDEX relationships_by_subject');
    expect(detail).not.toContain('TEMP B-TREE');
  } finally {
    db.close();
  }
});
