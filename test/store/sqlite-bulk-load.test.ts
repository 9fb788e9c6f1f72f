/**
 * SQLite bulkCreate into an empty table loads the rows with the secondary indexes dropped and
 * rebuilds them afterwards. These tests pin what that must never change: duplicates (within a
 * call, across calls, against live rows) still fail the whole write, a failure inside the load
 * puts the indexes back even when the caller carries on, a crash before COMMIT leaves the old
 * state with every index, and the indexes come back exactly as the migrations made them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RelationshipAlreadyExistsError, formatRelationship, type Relationship } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { bundleFixture, removeBundles, startChild } from './child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-bulk-load-'));
let n = 0;
let child: string;
beforeAll(async () => {
  child = await bundleFixture(join(import.meta.dirname, 'fixtures/bulk-load-child.ts'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeBundles();
});

/** Above the size that takes the load-then-index path. */
const BIG = 6000;

function doc(i: number, relation = 'viewer', user = `u${i % 97}`): Relationship {
  return { resource: { type: 'document', id: `d${i}` }, relation, subject: { type: 'user', id: user } };
}

/** Shuffled, so the load has to sort. */
function many(count: number, from = 0): Relationship[] {
  const out = Array.from({ length: count }, (_, i) => doc(from + i));
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function fresh(): Promise<{ store: Store; path: string }> {
  const path = join(dir, `s${n++}.db`);
  return { store: await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 }), path };
}

interface FileState {
  indexes: { name: string; sql: string }[];
  rows: number;
  integrity: string;
}

/** The file as another connection sees it (committed state only). */
function fileState(path: string): FileState {
  const db = new Database(path, { readonly: true });
  try {
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'relationships' AND sql IS NOT NULL ORDER BY name")
      .all() as { name: string; sql: string }[];
    const rows = (db.prepare('SELECT count(*) AS n FROM relationships').get() as { n: number }).n;
    const integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
    return { indexes, rows, integrity };
  } finally {
    db.close();
  }
}

async function expectAlreadyExists(p: Promise<unknown>, key: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelationshipAlreadyExistsError);
  expect((err as Error).message).toContain(`\`${key}\``);
}

const texts = (rs: readonly Relationship[]) => rs.map(formatRelationship).sort();

describe('SQLite bulk load into an empty table', () => {
  test('loads, rebuilds exactly the indexes the schema had, and every query shape answers', async () => {
    const { store, path } = await fresh();
    const before = fileState(path);
    expect(before.indexes.map((i) => i.name)).toContain('relationships_by_subject');
    const rels = many(BIG);
    const { result, revision } = await store.write((tx) => tx.bulkCreate(rels));
    expect(result).toBe(BIG);
    const reader = store.reader(revision);
    expect(await reader.count({ resourceType: 'document' })).toBe(BIG);
    // Point (primary key) and reverse (relationships_by_subject, forced by INDEXED BY) reads.
    expect(texts(await reader.query({ resourceType: 'document', resourceIds: ['d42'], relation: 'viewer' }))).toEqual([
      'document:d42#viewer@user:u42',
    ]);
    const reverse = await reader.query({ resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: ['u5'] } });
    expect(texts(reverse)).toEqual(texts(Array.from({ length: BIG }, (_, i) => doc(i)).filter((r) => r.subject.id === 'u5')));
    // The change feed reads relationships_by_created.
    const [changes] = await store.changesSince(revision - 1, 1);
    expect(changes!.changes).toHaveLength(BIG);
    await store.close();
    const after = fileState(path);
    expect(after.indexes).toEqual(before.indexes);
    expect(after.integrity).toBe('ok');
    expect(after.rows).toBe(BIG);
  });

  test('a duplicate inside the load fails before anything is written', async () => {
    const { store, path } = await fresh();
    const rels = many(BIG);
    // Far apart in the input, adjacent once sorted; a different caveat is still the same key.
    rels.splice(3, 0, { ...doc(4321), caveat: { name: 'c1' } });
    await expectAlreadyExists(
      store.write((tx) => tx.bulkCreate(rels)),
      'document:d4321#viewer@user:u53',
    );
    expect(await store.headRevision()).toBe(1);
    await store.close();
    expect(fileState(path)).toMatchObject({ rows: 0, integrity: 'ok' });
    expect(fileState(path).indexes.length).toBeGreaterThanOrEqual(4);
  });

  test('a duplicate across calls fails: later calls check against the loaded rows', async () => {
    const { store } = await fresh();
    await expectAlreadyExists(
      store.write(async (tx) => {
        await tx.bulkCreate(many(BIG));
        await tx.bulkCreate([doc(BIG + 1), doc(17)]);
      }),
      'document:d17#viewer@user:u17',
    );
    await expectAlreadyExists(
      store.write(async (tx) => {
        await tx.bulkCreate(many(BIG));
        await tx.bulkCreate(many(BIG, BIG - 1));
      }),
      `document:d${BIG - 1}#viewer@user:u${(BIG - 1) % 97}`,
    );
    expect(await store.headRevision()).toBe(1);
    // Without a duplicate, a second big call (now into a non-empty table) goes through.
    const { revision } = await store.write(async (tx) => {
      await tx.bulkCreate(many(BIG));
      await tx.bulkCreate(many(BIG, BIG));
    });
    expect(await store.reader(revision).count({})).toBe(2 * BIG);
    await store.close();
  });

  test('a big import into a non-empty table still fails on a live relationship or a duplicate, and tolerates a deleted one', async () => {
    const { store, path } = await fresh();
    await store.write((tx) => tx.bulkCreate([doc(10), doc(BIG + 5)]));
    await store.write((tx) => tx.apply([{ operation: 'delete', relationship: doc(BIG + 5) }]));
    await expectAlreadyExists(
      store.write((tx) => tx.bulkCreate(many(BIG))),
      'document:d10#viewer@user:u10',
    );
    const inner = many(BIG, BIG);
    inner.push({ ...doc(BIG + 77), caveat: { name: 'c1' } });
    await expectAlreadyExists(
      store.write((tx) => tx.bulkCreate(inner)),
      `document:d${BIG + 77}#viewer@user:u${(BIG + 77) % 97}`,
    );
    const { revision } = await store.write((tx) => tx.bulkCreate(many(BIG, BIG)));
    expect(await store.reader(revision).count({})).toBe(BIG + 1);
    await store.close();
    expect(fileState(path).integrity).toBe('ok');
  });

  test('a failure after the indexes were dropped puts them back, even if the caller carries on and commits', async () => {
    const { store, path } = await fresh();
    const before = fileState(path);
    const rels = many(BIG);
    // A value the driver cannot bind: the insert fails half-way through the load.
    rels[BIG - 10] = { ...doc(BIG + 100), subject: { type: 'user', id: Symbol('bad') as unknown as string } };
    const { result, revision } = await store.write(async (tx) => {
      const failed = await tx.bulkCreate(rels).then(
        () => false,
        () => true,
      );
      // The transaction is still usable, and sees neither rows nor a missing index.
      await tx.bulkCreate([doc(1)]);
      const reverse = await tx.query({ resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: ['u1'] } });
      return { failed, reverse: texts(reverse) };
    });
    expect(result.failed).toBe(true);
    expect(await store.reader(revision).count({})).toBe(1);
    await store.close();
    const after = fileState(path);
    expect(after.indexes).toEqual(before.indexes);
    expect(after).toMatchObject({ rows: 1, integrity: 'ok' });
  });

  test('a crash in the middle of the load (indexes dropped, rows written, not committed) leaves the old state', async () => {
    const { store, path } = await fresh();
    await store.write((tx) => tx.writeSchema('definition user {}'));
    await store.close();
    const before = fileState(path);
    const proc = startChild(child, [path, String(BIG * 4)]);
    await proc.exited;
    expect(proc.lines).toContain('crashing before CREATE INDEX');
    const after = fileState(path);
    expect(after.indexes).toEqual(before.indexes);
    expect(after).toMatchObject({ rows: 0, integrity: 'ok' });
    // And the reopened store imports normally.
    const again = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
    const { revision } = await again.write((tx) => tx.bulkCreate(many(BIG)));
    expect(await again.reader(revision).count({})).toBe(BIG);
    await again.close();
    expect(fileState(path).indexes).toEqual(before.indexes);
  });
});
