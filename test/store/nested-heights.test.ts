/**
 * The nested-set index (src/store/nested-heights.ts): after any sequence of writes, bulk
 * imports and deletions, the stored height of every subject set is at least the longest chain
 * of nested relationships below it in *every* snapshot written so far (HEIGHT_CAP where the
 * chain is a cycle), on SQLite and Postgres; a migration fills the index from stored data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Relationship, RelationshipUpdate } from '../../src/core/index.js';
import { HEIGHT_CAP, openStore, type Store } from '../../src/store/index.js';
import { fillHeights, raiseHeights, type HeightOps, type NestedEdge } from '../../src/store/nested-heights.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres } from './postgres-env.js';

const RUNS = Number(process.env['TRELLIS_PROPERTY_RUNS'] ?? 30);
const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];

const nested = (from: string, to: string, type = 'group'): Relationship => ({
  resource: { type, id: from },
  relation: 'member',
  subject: { type, id: to, relation: 'member' },
});

/** The longest chain below each id in a graph of edges (HEIGHT_CAP on and above cycles). */
function longest(edges: readonly NestedEdge[]): Map<string, number> {
  const children = new Map<string, string[]>();
  for (const e of edges) children.set(e.resource, [...(children.get(e.resource) ?? []), e.subject]);
  const out = new Map<string, number>();
  const visit = (id: string, path: Set<string>): number => {
    if (path.has(id)) return HEIGHT_CAP;
    const known = out.get(id);
    if (known !== undefined) return known;
    path.add(id);
    let h = 0;
    for (const c of children.get(id) ?? []) h = Math.max(h, Math.min(HEIGHT_CAP, visit(c, path) + 1));
    path.delete(id);
    // Only memoize results that do not depend on the path (no cycle seen below).
    if (h < HEIGHT_CAP) out.set(id, h);
    return h;
  };
  const all = new Map<string, number>();
  for (const id of IDS) all.set(id, visit(id, new Set()));
  return all;
}

interface HeightReader {
  heights(): Promise<Map<string, number>>;
}

type Step = { kind: 'write'; updates: [boolean, string, string][] } | { kind: 'import'; edges: [string, string][] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.boolean(), fc.constantFrom(...IDS), fc.constantFrom(...IDS)), { minLength: 1, maxLength: 4 })
      .map((updates) => ({ kind: 'write' as const, updates })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...IDS), fc.constantFrom(...IDS)), {
        minLength: 1,
        maxLength: 8,
        selector: ([a, b]) => `${a}>${b}`,
      })
      .map((edges) => ({ kind: 'import' as const, edges })),
  },
);

function heightCases(open: () => Promise<{ store: Store; reader: HeightReader; close(): Promise<void> }>): void {
  it('heights bound the longest nested chain of every snapshot written so far', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        const { store, reader, close } = await open();
        try {
          const live = new Map<string, NestedEdge>();
          // The worst height each id has had in any snapshot.
          const worst = new Map<string, number>();
          for (const s of steps) {
            if (s.kind === 'write') {
              const byKey = new Map<string, RelationshipUpdate>();
              for (const [del, a, b] of s.updates)
                byKey.set(`${a}>${b}`, { operation: del ? 'delete' : 'touch', relationship: nested(a, b) });
              await store.write((tx) => tx.apply([...byKey.values()]));
              for (const [key, u] of byKey) {
                if (u.operation === 'delete') live.delete(key);
                else live.set(key, { resource: u.relationship.resource.id, subject: u.relationship.subject.id });
              }
            } else {
              // An import fails as a whole when any of its relationships exists: import only new ones.
              const fresh = s.edges.filter(([a, b]) => !live.has(`${a}>${b}`));
              if (fresh.length === 0) continue;
              await store.write((tx) => tx.bulkCreate(fresh.map(([a, b]) => nested(a, b))));
              for (const [a, b] of fresh) live.set(`${a}>${b}`, { resource: a, subject: b });
            }
            for (const [id, h] of longest([...live.values()])) worst.set(id, Math.max(worst.get(id) ?? 0, h));
            const stored = await reader.heights();
            for (const id of IDS) expect([id, (stored.get(id) ?? 0) >= (worst.get(id) ?? 0)]).toEqual([id, true]);
          }
          // Rows of other kinds never get a height.
          await store.write((tx) =>
            tx.apply([
              {
                operation: 'touch',
                relationship: { resource: { type: 'group', id: 'x' }, relation: 'member', subject: { type: 'user', id: 'u' } },
              },
              {
                operation: 'touch',
                relationship: {
                  resource: { type: 'team', id: 'x' },
                  relation: 'member',
                  subject: { type: 'group', id: 'a', relation: 'member' },
                },
              },
            ]),
          );
          expect((await reader.heights()).has('x')).toBe(false);
        } finally {
          await close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
}

/** An in-memory HeightOps over a fixed edge list, counting the reads it answers. */
function memoryOps(edges: readonly NestedEdge[], stored = new Map<string, number>()) {
  const reads = { whole: 0, byId: 0 };
  const ops: HeightOps = {
    heights: async (_k, ids) => {
      reads.byId++;
      return new Map(ids.filter((id) => stored.has(id)).map((id) => [id, stored.get(id)!]));
    },
    allHeights: async () => {
      reads.whole++;
      return new Map(stored);
    },
    parents: async (_k, ids) => {
      reads.byId++;
      return edges.filter((e) => ids.includes(e.subject));
    },
    allEdges: async () => {
      reads.whole++;
      return [...edges];
    },
    save: async (_k, raised) => {
      for (const [id, h] of raised) stored.set(id, Math.max(stored.get(id) ?? 0, h));
    },
  };
  return { ops, stored, reads };
}

const rel = (e: NestedEdge) => nested(e.resource, e.subject);

describe('raiseHeights', () => {
  it('raises a chain level by level, reading only the ids it reaches', async () => {
    const edges = [
      { resource: 'a', subject: 'b' },
      { resource: 'b', subject: 'c' },
      { resource: 'c', subject: 'd' },
    ];
    const m = memoryOps(
      edges,
      new Map([
        ['b', 2],
        ['a', 3],
      ]),
    );
    // c > d is the new row: c rises to 1, b stays at 2, a at 3.
    await raiseHeights(m.ops, [rel(edges[2]!)]);
    expect(Object.fromEntries(m.stored)).toEqual({ a: 3, b: 2, c: 1 });
    expect(m.reads.whole).toBe(0);
  });

  it('saturates a cycle at HEIGHT_CAP and never lowers a height', async () => {
    const edges = [
      { resource: 'a', subject: 'b' },
      { resource: 'b', subject: 'a' },
      { resource: 'z', subject: 'a' },
    ];
    const m = memoryOps(edges, new Map([['q', 7]]));
    await fillHeights(
      m.ops,
      edges.map((e) => ['group', 'member', e.resource, e.subject] as const),
    );
    expect(Object.fromEntries(m.stored)).toEqual({ a: HEIGHT_CAP, b: HEIGHT_CAP, z: HEIGHT_CAP, q: 7 });
  });

  it('reads a kind whole for a large batch and gets the same heights as level by level', async () => {
    const edges = Array.from({ length: 100 }, (_, i) => ({ resource: `n${i}`, subject: `n${i + 1}` }));
    const whole = memoryOps(edges);
    await raiseHeights(whole.ops, edges.map(rel));
    expect(whole.reads.whole).toBe(2);
    const byLevel = memoryOps(edges);
    for (const e of [...edges].reverse()) await raiseHeights(byLevel.ops, [rel(e)]);
    expect(byLevel.reads.whole).toBe(0);
    expect(whole.stored).toEqual(byLevel.stored);
    expect(whole.stored.get('n0')).toBe(100);
  });

  it('ignores rows that are not nested', async () => {
    const m = memoryOps([]);
    await raiseHeights(m.ops, [
      { resource: { type: 'group', id: 'a' }, relation: 'member', subject: { type: 'user', id: 'u' } },
      { resource: { type: 'group', id: 'a' }, relation: 'member', subject: { type: 'group', id: 'b', relation: 'owner' } },
      { resource: { type: 'group', id: 'a' }, relation: 'member', subject: { type: 'team', id: 'b', relation: 'member' } },
    ]);
    expect(m.stored.size).toBe(0);
    expect(m.reads).toEqual({ whole: 0, byId: 0 });
  });
});

/**
 * Data for the migration tests, then closes the store: a > b > c in groups, c > a in teams, and
 * b > c deleted, which stays readable at the earlier revision, so its chain still counts.
 */
async function writeMigrationFixture(store: Store): Promise<void> {
  const touch = [nested('a', 'b'), nested('b', 'c'), nested('c', 'a', 'team')];
  await store.write((tx) => tx.apply(touch.map((relationship) => ({ operation: 'touch' as const, relationship }))));
  await store.write((tx) => tx.apply([{ operation: 'delete', relationship: nested('b', 'c') }]));
  await store.close();
}

/** The index migration 4 builds from that data (type, relation, id, height). */
const MIGRATED = [
  ['group', 'member', 'a', 2],
  ['group', 'member', 'b', 1],
  ['team', 'member', 'c', 1],
];

const dir = mkdtempSync(join(tmpdir(), 'trellis-heights-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nested-set index on SQLite', () => {
  heightCases(async () => {
    const path = join(dir, `h${files++}.db`);
    const store = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
    const db = new Database(path, { readonly: true });
    return {
      store,
      close: async () => {
        db.close();
        await store.close();
      },
      reader: {
        heights: async () =>
          new Map(
            db.prepare("SELECT object_id, height FROM nested_heights WHERE object_type = 'group' AND relation = 'member'").raw().all() as [
              string,
              number,
            ][],
          ),
      },
    };
  });

  it('migration 4 fills the index from every stored version of every nested relationship', async () => {
    const path = join(dir, `m${files++}.db`);
    const store = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
    await writeMigrationFixture(store);
    // Back to the database as version 3 left it.
    const db = new Database(path);
    db.exec('DROP TABLE nested_heights; PRAGMA user_version = 3');
    db.close();
    const reopened = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
    await reopened.close();
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare('SELECT object_type, relation, object_id, height FROM nested_heights ORDER BY 1, 3').raw().all()).toEqual(
        MIGRATED,
      );
    } finally {
      check.close();
    }
  });
});

describePostgres('nested-set index on Postgres', (db) => {
  it('migration 4 fills the index from every stored version of every nested relationship', async () => {
    const schema = db.schema();
    const options = { url: db.url(), schema, quantizationMs: 0, gcIntervalMs: 0, maxConnections: 2 };
    const store = await PostgresStore.open(options);
    await writeMigrationFixture(store);
    const client = new pg.Client({ connectionString: db.url() });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schema}"; DROP TABLE nested_heights; DELETE FROM trellis_migrations WHERE version = 4`);
      const reopened = await PostgresStore.open(options);
      await reopened.close();
      const { rows } = await client.query('SELECT object_type, relation, object_id, height FROM nested_heights ORDER BY 1, 3');
      expect(rows.map((r) => Object.values(r))).toEqual(MIGRATED);
    } finally {
      await client.end();
    }
  });

  heightCases(async () => {
    const schema = db.schema();
    const store = await PostgresStore.open({ url: db.url(), schema, quantizationMs: 0, gcIntervalMs: 0, maxConnections: 2 });
    const client = new pg.Client({ connectionString: db.url() });
    await client.connect();
    return {
      store,
      close: async () => {
        await client.end();
        await store.close();
      },
      reader: {
        heights: async () =>
          new Map(
            (
              await client.query<{ object_id: string; height: number }>(
                `SELECT object_id, height FROM "${schema}".nested_heights WHERE object_type = 'group' AND relation = 'member'`,
              )
            ).rows.map((r) => [r.object_id, r.height]),
          ),
      },
    };
  });
});
