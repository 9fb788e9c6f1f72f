/**
 * Nested groups in recursive queries: a node of a nested relation (`group#member: user |
 * group#member`) is answered by walking up from the subject's own memberships, and the
 * nested-set index (src/store/nested-heights.ts) bounds how deep the walk down would have gone.
 * The answers must stay the walk's, depth errors included, at every revision a reader can
 * hold: after chains grow and shrink, cycles come and go, and memberships are caveated, expire
 * or are wildcards. Every case compares an engine with recursive queries against a walk-only
 * one on the same store.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MaxDepthExceededError,
  encodeZedToken,
  type Relationship,
  type RelationshipUpdate,
  type SubjectRef,
} from '../../src/core/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres } from '../store/postgres-env.js';
import { rels } from './harness.js';

const SCHEMA = `
use expiration

caveat ok(flag bool) {
  flag
}

definition user {}

definition group {
  relation member: user | user with ok | user with expiration | group#member | group#member with ok | group#member with expiration
}

/** Wildcards cannot be included through a subject set elsewhere, but a nested relation may hold them. */
definition club {
  relation member: user | user:* | club#member
}

definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
`;

const RUNS = Number(process.env['TRELLIS_PROPERTY_RUNS'] ?? 30);

type Answer = string;

async function answer(
  engine: Engine,
  store: Store,
  revision: number,
  resource: string,
  permission: string,
  subject: SubjectRef,
): Promise<Answer> {
  const [type, id] = resource.split(':') as [string, string];
  const consistency = { kind: 'at_exact_snapshot' as const, token: encodeZedToken(revision, store.uniqueId) };
  try {
    const r = await engine.check({ resource: { type, id }, permission, subject, consistency });
    return r.missingContext ? `${r.permissionship} ${r.missingContext.join(',')}` : r.permissionship;
  } catch (e) {
    if (e instanceof MaxDepthExceededError) return 'depth';
    throw e;
  }
}

interface Pair {
  readonly fast: Engine;
  readonly walk: Engine;
}

function engines(store: Store, maxDepth: number): Pair {
  return {
    fast: createEngine({ store, cache: false, maxDepth }),
    walk: createEngine({ store, cache: false, maxDepth, recursiveQueries: false }),
  };
}

/** Both engines' answers at `revision`, asserted equal; returns the answer. */
async function both(p: Pair, store: Store, revision: number, resource: string, permission: string, user: string): Promise<Answer> {
  const subject = { type: 'user', id: user };
  const got = await answer(p.fast, store, revision, resource, permission, subject);
  const want = await answer(p.walk, store, revision, resource, permission, subject);
  expect([revision, resource, user, got]).toEqual([revision, resource, user, want]);
  return got;
}

const touch = (text: string): RelationshipUpdate[] => rels(text).map((relationship) => ({ operation: 'touch', relationship }));
const remove = (text: string): RelationshipUpdate[] => rels(text).map((relationship) => ({ operation: 'delete', relationship }));

async function write(store: Store, updates: readonly RelationshipUpdate[]): Promise<number> {
  return (await store.write((tx) => tx.apply(updates))).revision;
}

type OpenStore = () => Promise<Store>;

function cases(open: OpenStore): void {
  it('answer members and non-members from the nested-set index, and leave too deep or cyclic data to the walk', async () => {
    const store = await open();
    try {
      await store.write((tx) => tx.writeSchema(SCHEMA));
      // g0 > g1 > ... > g6, ann in g6, a folder granted to g0.
      const chain = Array.from({ length: 6 }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`).join('\n');
      const r1 = await write(store, touch(`${chain}\ngroup:g6#member@user:ann\nfolder:f#viewer@group:g0#member`));
      const deep = engines(store, 50);
      expect(await both(deep, store, r1, 'group:g0', 'member', 'ann')).toBe('has_permission');
      expect(await both(deep, store, r1, 'group:g0', 'member', 'bob')).toBe('no_permission');
      expect(await both(deep, store, r1, 'folder:f', 'view', 'bob')).toBe('no_permission');
      expect(deep.fast.metrics().recursiveWalks).toBe(0);
      // With too little depth for the chain, the walk reports the error; the index says so first.
      const shallow = engines(store, 5);
      expect(await both(shallow, store, r1, 'group:g0', 'member', 'bob')).toBe('depth');
      expect(await both(shallow, store, r1, 'group:g3', 'member', 'bob')).toBe('no_permission');
      expect(shallow.fast.metrics().recursiveWalks).toBe(1);

      // A cycle: g6 > g0. Non-members now fail with the depth error, members are still found.
      const r2 = await write(store, touch('group:g6#member@group:g0#member'));
      expect(await both(deep, store, r2, 'group:g2', 'member', 'bob')).toBe('depth');
      expect(await both(deep, store, r2, 'folder:f', 'view', 'ann')).toBe('has_permission');
      // Earlier snapshots still answer as they did.
      expect(await both(deep, store, r1, 'group:g2', 'member', 'bob')).toBe('no_permission');

      // The cycle removed: heights stay saturated (they never shrink), so the walk answers, exactly.
      const r3 = await write(store, remove('group:g6#member@group:g0#member'));
      expect(await both(deep, store, r3, 'group:g2', 'member', 'bob')).toBe('no_permission');
      expect(await both(deep, store, r2, 'group:g2', 'member', 'bob')).toBe('depth');
    } finally {
      await store.close();
    }
  });

  it('walk up through wildcards, caveats and expiry exactly as the walk down does', async () => {
    const store = await open();
    try {
      await store.write((tx) => tx.writeSchema(SCHEMA));
      const past = new Date(Date.now() - 60_000).toISOString();
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const r = await write(
        store,
        touch(`
          group:top#member@group:mid#member
          group:mid#member@group:low#member[ok]
          group:low#member@user:ann
          group:mid#member@user:bob[ok:{"flag":true}]
          group:mid#member@user:cid[ok]
          group:mid#member@user:dee[expiration:${past}]
          group:mid#member@user:eve[expiration:${future}]
          group:top#member@group:gone#member[expiration:${past}]
          group:gone#member@user:fay
          folder:f#viewer@group:top#member
          club:top#member@club:open#member
          club:open#member@user:*
          club:open#member@club:top#member
          club:low#member@user:ann
          club:top#member@club:low#member
        `),
      );
      const p = engines(store, 50);
      const got: Record<string, Answer> = {};
      for (const u of ['ann', 'bob', 'cid', 'dee', 'eve', 'fay', 'zed']) {
        for (const g of ['top', 'mid', 'low']) got[`${g} ${u}`] = await both(p, store, r, `group:${g}`, 'member', u);
        for (const c of ['top', 'open', 'low']) got[`club ${c} ${u}`] = await both(p, store, r, `club:${c}`, 'member', u);
      }
      // Through the wildcard of club:open, though club:open and club:top form a cycle; club:low has no wildcard.
      expect([got['club top zed'], got['club open zed'], got['club low zed'], got['club low ann']]).toEqual([
        'has_permission',
        'has_permission',
        'no_permission',
        'has_permission',
      ]);
      expect(got['top ann']).toBe('conditional_permission flag');
      expect(got['mid ann']).toBe('conditional_permission flag');
      expect(got['mid bob']).toBe('has_permission');
      expect(got['mid cid']).toBe('conditional_permission flag');
      expect(got['mid dee']).toBe('no_permission');
      expect(got['mid eve']).toBe('has_permission');
      expect(got['low zed']).toBe('no_permission');
      expect(got['top fay']).toBe('no_permission'); // the nested row expired
      expect(await both(p, store, r, 'folder:f', 'view', 'zed')).toBe('no_permission');
      expect(await both(p, store, r, 'folder:f', 'view', 'eve')).toBe('has_permission');
      expect(await both(p, store, r, 'folder:f', 'view', 'ann')).toBe('conditional_permission flag');
      // The query answered all but the caveated paths (ann, bob and cid on top and mid, ann on the
      // folder) and the club cycle (top and open, saturated heights): 24 of 45.
      expect([p.fast.metrics().recursiveAnswers, p.fast.metrics().recursiveWalks]).toEqual([24, 21]);
    } finally {
      await store.close();
    }
  });

  it('property: random nested groups written and deleted over time agree with the walk at every revision', async () => {
    const groups = ['g0', 'g1', 'g2', 'g3', 'g4'];
    const users = ['u0', 'u1'];
    const edge = fc.oneof(
      // Nested rows, self-loops included, some caveated.
      fc
        .tuple(fc.constantFrom(...groups), fc.constantFrom(...groups), fc.boolean())
        .map(([a, b, c]) => `group:${a}#member@group:${b}#member${c ? '[ok]' : ''}`),
      fc
        .tuple(fc.constantFrom(...groups), fc.constantFrom(...users), fc.integer({ min: 0, max: 3 }))
        .map(([g, u, c]) => `group:${g}#member@user:${u}${c === 0 ? '[ok:{"flag":true}]' : c === 1 ? '[ok]' : ''}`),
      fc.tuple(fc.constantFrom(...groups), fc.constantFrom(...groups)).map(([a, b]) => `club:${a}#member@club:${b}#member`),
      fc.tuple(fc.constantFrom(...groups), fc.constantFrom(...users, '*')).map(([g, u]) => `club:${g}#member@user:${u}`),
      fc.tuple(fc.constantFrom('f0', 'f1'), fc.constantFrom(...groups)).map(([f, g]) => `folder:${f}#viewer@group:${g}#member`),
      fc.constant('folder:f0#parent@folder:f1'),
    );
    const step = fc.array(fc.tuple(fc.boolean(), edge), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), fc.integer({ min: 3, max: 8 }), async (steps, maxDepth) => {
        const store = await open();
        try {
          await store.write((tx) => tx.writeSchema(SCHEMA));
          const revisions: number[] = [];
          for (const s of steps) {
            // One operation per relationship key per transaction (the last one wins).
            const byKey = new Map<string, RelationshipUpdate>();
            for (const [del, text] of s) {
              const [relationship] = rels(text) as [Relationship];
              byKey.set(text.replace(/\[.*$/, ''), { operation: del ? 'delete' : 'touch', relationship });
            }
            revisions.push(await write(store, [...byKey.values()]));
          }
          const p = engines(store, maxDepth);
          for (const r of revisions)
            for (const u of users) {
              for (const g of groups) {
                await both(p, store, r, `group:${g}`, 'member', u);
                await both(p, store, r, `club:${g}`, 'member', u);
              }
              await both(p, store, r, 'folder:f0', 'view', u);
            }
        } finally {
          await store.close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
}

describe('nested groups in recursive queries on SQLite', () => {
  cases(() => openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 }));
});

describePostgres('nested groups in recursive queries on Postgres', (db) => {
  cases(() => PostgresStore.open({ url: db.url(), schema: db.schema(), quantizationMs: 0, gcIntervalMs: 0, maxConnections: 2 }));
});
