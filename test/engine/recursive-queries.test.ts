/**
 * Checks answered by recursive queries (reach-plan.ts) must be the walk's answers exactly: the
 * plan's shape for each schema construct, the depth limit at its boundary, cycles, caveats,
 * expiry, wildcards, rows the schema does not allow, and bulk check. Every case asks an engine
 * with recursive queries and one without, on the same store.
 */
import { describe, expect, it } from 'vitest';
import { MaxDepthExceededError, type SubjectRef } from '../../src/core/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { ReachPlanner, type ReachPlan } from '../../src/engine/reach-plan.js';
import { compileSchemaOrThrow } from '../../src/schema/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres } from '../store/postgres-env.js';
import { rels } from './harness.js';

/** A store holding the schema and relationships. */
type Open = (schema: string, relationships: string) => Promise<{ store: Store; close(): Promise<void> }>;

async function load(store: Store, schema: string, relationships: string): Promise<{ store: Store; close(): Promise<void> }> {
  const list = rels(relationships);
  await store.write(async (tx) => {
    await tx.writeSchema(schema);
    if (list.length > 0) await tx.apply(list.map((relationship) => ({ operation: 'touch' as const, relationship })));
  });
  return { store, close: () => store.close() };
}

const DOCS = `
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation owner: user
  relation viewer: user | user:* | group#member
  permission manage = owner + parent->manage
  permission view = viewer + manage + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
}
`;

type Answer = string;

async function answer(engine: Engine, resource: string, permission: string, subject: SubjectRef): Promise<Answer> {
  const [type, id] = resource.split(':') as [string, string];
  try {
    const r = await engine.check({ resource: { type, id }, permission, subject });
    return r.missingContext ? `${r.permissionship} ${r.missingContext.join(',')}` : r.permissionship;
  } catch (e) {
    if (e instanceof MaxDepthExceededError) return 'depth';
    throw e;
  }
}

/** Both engines' answers, asserted equal; returns the answer. */
async function both(store: Store, maxDepth: number, resource: string, permission: string, subject: SubjectRef): Promise<Answer> {
  const fast = createEngine({ store, cache: false, maxDepth });
  const walk = createEngine({ store, cache: false, maxDepth, recursiveQueries: false });
  const got = await answer(fast, resource, permission, subject);
  expect([resource, permission, got]).toEqual([resource, permission, await answer(walk, resource, permission, subject)]);
  return got;
}

const user = (id: string): SubjectRef => ({ type: 'user', id });

function kinds(plan: ReachPlan | undefined): unknown {
  if (plan === undefined) return undefined;
  switch (plan.kind) {
    case 'leaf':
      return plan.start;
    case 'walk':
      return 'walk';
    case 'exclusion':
      return { exclusion: [kinds(plan.base), kinds(plan.subtract)] };
    default:
      return { [plan.kind]: plan.children.map(kinds) };
  }
}

describe('recursive query plans', () => {
  const schema = compileSchemaOrThrow(`
    use self
    definition user {
      relation friend: user
      permission myself = self
    }
    definition group {
      relation member: user | group#member
      relation admin: user
      permission both = member & admin
    }
    definition doc {
      relation parent: doc
      relation viewer: user | group#member
      relation banned: user
      relation owner: user
      permission union_only = viewer + parent->union_only + nil
      permission top_exclusion = (viewer + owner) - banned
      permission top_intersection = viewer & owner
      permission nested = viewer + (owner - banned)
      permission all_arrow = parent.all(viewer)
      permission mixed = (viewer + parent.all(viewer)) - banned
      permission through_both = viewer + parent->through_both + owner
      permission via_intersection = viewer - parent->bad
      permission bad = owner & viewer
      permission loop_a = viewer + loop_b
      permission loop_b = loop_a
    }
  `);
  const planner = new ReachPlanner(50);
  const plan = (member: string, type = 'doc') => kinds(planner.plan(schema, type, member, 'user')?.plan);

  it('compiles union-only permissions whole, and splits the top of the others', () => {
    expect(plan('union_only')).toBe('union_only');
    expect(plan('viewer')).toBe('viewer');
    expect(plan('top_exclusion')).toEqual({ exclusion: ['#top_exclusion.0', '#top_exclusion.1'] });
    expect(plan('top_intersection')).toEqual({ intersection: ['#top_intersection.0', '#top_intersection.1'] });
    expect(plan('nested')).toEqual({ union: ['#nested.0', { exclusion: ['#nested.1', '#nested.2'] }] });
    expect(plan('mixed')).toEqual({ exclusion: [{ union: ['#mixed.0', 'walk'] }, '#mixed.1'] });
    expect(plan('through_both')).toBe('through_both');
  });

  it('leaves to the walk what a query cannot answer exactly', () => {
    // .all arrows, self, and anything reaching an intersection below the top.
    expect(plan('all_arrow')).toBeUndefined();
    expect(plan('myself', 'user')).toBeUndefined();
    expect(plan('via_intersection')).toEqual({ exclusion: ['#via_intersection.0', 'walk'] });
    expect(plan('member', 'group')).toBe('member');
    expect(plan('both', 'group')).toEqual({ intersection: ['#both.0', '#both.1'] });
    // A permission that computes itself: the walk reports the depth error (or finds a viewer first).
    expect(plan('loop_a')).toEqual({ union: ['#loop_a.0', 'walk'] });
    expect(plan('loop_b')).toBeUndefined();
  });

  it('gives the store the hops and terminals the walk would read, with the depth each one adds', () => {
    const p = new ReachPlanner(50).plan(schema, 'doc', 'viewer', 'user');
    expect(p?.batch.parts.map((part) => part.member)).toEqual(['viewer']);
    expect(p?.plan).toEqual({
      kind: 'leaf',
      start: 'viewer',
      index: 0,
      query: {
        key: expect.any(String),
        hops: [
          {
            fromType: 'doc',
            fromMember: 'viewer',
            relation: 'viewer',
            subjectTypes: ['group'],
            subjectRelation: 'member',
            to: 'member',
            depth: 1,
          },
        ],
        terminals: [{ fromType: 'doc', fromMember: 'viewer', relation: 'viewer', direct: true, wildcard: false }],
        // group#member holds only users and itself: the store walks up from the user instead.
        nested: [{ type: 'group', relation: 'member', depth: 1, direct: true, wildcard: false }],
        depthLimit: 50,
      },
    });
  });

  it('answers nested relations from the nested-set index only where their only subject sets are themselves', () => {
    const mixed = compileSchemaOrThrow(`
      definition user {}
      definition team {
        relation member: user | team#member
      }
      definition group {
        relation member: user | user:* | group#member | team#member
        relation owner: user | group#owner
      }
    `);
    const q = (type: string, member: string) => {
      const p = new ReachPlanner(50).plan(mixed, type, member, 'user')?.plan;
      return p?.kind === 'leaf' ? p.query : undefined;
    };
    // group#member also holds teams: its rows are walked down; team#member is nested.
    expect(q('group', 'member')?.nested).toEqual([{ type: 'team', relation: 'member', depth: 1, direct: true, wildcard: false }]);
    expect(
      q('group', 'member')?.hops.map((h) => `${h.fromType}#${h.fromMember} ${h.relation} -> ${h.subjectTypes.join()}#${h.to}`),
    ).toEqual(['group#member member -> group#member', 'group#member member -> team#member']);
    expect(q('group', 'owner')?.nested).toEqual([{ type: 'group', relation: 'owner', depth: 1, direct: true, wildcard: false }]);
    expect(q('group', 'owner')?.hops).toEqual([]);
    // No nested kinds where the depth limit reaches the index's cap.
    const huge = new ReachPlanner(5000).plan(mixed, 'group', 'owner', 'user')?.plan;
    expect(huge?.kind === 'leaf' ? huge.query.nested : 'not a leaf').toEqual([]);
  });

  it('drops arrows that another arrow over the same rows covers, but not the others', () => {
    const docs = compileSchemaOrThrow(`
      definition user {}
      definition folder {
        relation parent: folder
        relation owner: user
        relation editor: user
        relation viewer: user
        permission manage = owner + parent->manage
        permission edit = manage + editor + parent->edit
        permission view = viewer + edit + parent->view
        permission shallow = viewer + parent->view + parent->owner_only
        permission owner_only = owner
        permission editor_only = editor
        permission split = parent->owner_only + parent->editor_only
        permission owner_later = owner_only
        permission flat = parent->owner_later + parent->owner_only
      }
    `);
    const hops = (member: string) => {
      const p = new ReachPlanner(50).plan(docs, 'folder', member, 'user')?.plan;
      if (p?.kind !== 'leaf') return undefined;
      return p.query.hops.map((h) => `${h.fromMember} ${h.relation}->${h.to} +${h.depth}`).sort();
    };
    // view includes edit includes manage: one node per folder, one arrow each.
    expect(hops('view')).toEqual(['view parent->view +1']);
    expect(hops('edit')).toEqual(['edit parent->edit +1']);
    // view reads owner too (three frames down): parent->owner_only adds nothing.
    expect(hops('shallow')).toEqual(['shallow parent->view +1', 'view parent->view +1']);
    // Neither covers the other.
    expect(hops('split')).toEqual(['split parent->editor_only +1', 'split parent->owner_only +1']);
    // owner_later reads owner a frame deeper than owner_only does: it covers owner_only, not the
    // other way round (the query's depth would fall short of the walk's).
    expect(hops('flat')).toEqual(['flat parent->owner_later +1']);
  });
});

function engineCases(open: Open): void {
  it('match the walk on members, non-members, bans and wildcards', async () => {
    const h = await open(
      DOCS,
      `
      document:d#parent@folder:f1
      folder:f1#parent@folder:f2
      folder:f2#viewer@group:eng#member
      group:eng#member@group:core#member
      group:core#member@user:ann
      folder:f2#owner@user:olive
      document:d#banned@user:ann
      document:e#parent@folder:f3
      folder:f3#viewer@user:*
      document:e#banned@user:bob
    `,
    );
    try {
      expect(await both(h.store, 50, 'document:d', 'view', user('ann'))).toBe('no_permission');
      expect(await both(h.store, 50, 'folder:f1', 'view', user('ann'))).toBe('has_permission');
      expect(await both(h.store, 50, 'document:d', 'view', user('olive'))).toBe('has_permission');
      expect(await both(h.store, 50, 'document:d', 'view', user('carl'))).toBe('no_permission');
      expect(await both(h.store, 50, 'document:e', 'view', user('carl'))).toBe('has_permission');
      expect(await both(h.store, 50, 'document:e', 'view', user('bob'))).toBe('no_permission');
      expect(await both(h.store, 50, 'folder:f1', 'manage', user('olive'))).toBe('has_permission');
      expect(await both(h.store, 50, 'group:eng', 'member', user('ann'))).toBe('has_permission');
    } finally {
      await h.close();
    }
  });

  it('leave cyclic data to the walk, which reports the depth error unless a member is found', async () => {
    const h = await open(
      DOCS,
      `
      folder:a#parent@folder:b
      folder:b#parent@folder:a
      folder:b#viewer@user:alice
      group:x#member@group:y#member
      group:y#member@group:x#member
      group:y#member@user:yan
    `,
    );
    try {
      expect(await both(h.store, 50, 'folder:a', 'view', user('alice'))).toBe('has_permission');
      expect(await both(h.store, 50, 'folder:a', 'view', user('bob'))).toBe('depth');
      expect(await both(h.store, 50, 'group:x', 'member', user('yan'))).toBe('has_permission');
      expect(await both(h.store, 50, 'group:x', 'member', user('zed'))).toBe('depth');
    } finally {
      await h.close();
    }
  });

  it('agree with the walk at every depth limit around the depth of the data', async () => {
    // A chain of nested groups: the member at the bottom is found only with enough depth, and a
    // non-member fails with the depth error exactly when the walk runs out.
    const chain = Array.from({ length: 8 }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`).join('\n');
    const h = await open(DOCS, `${chain}\ngroup:g8#member@user:deep\nfolder:f#viewer@group:g0#member\ndocument:d#parent@folder:f`);
    try {
      const seen = new Set<string>();
      for (let maxDepth = 1; maxDepth <= 14; maxDepth++)
        for (const u of ['deep', 'nobody']) {
          seen.add(await both(h.store, maxDepth, 'group:g0', 'member', user(u)));
          seen.add(await both(h.store, maxDepth, 'document:d', 'view', user(u)));
        }
      expect([...seen].sort()).toEqual(['depth', 'has_permission', 'no_permission']);
    } finally {
      await h.close();
    }
  });

  it('leave caveated paths to the walk, and ignore expired relationships', async () => {
    const schema = `
      use expiration
      caveat ok(flag bool) { flag }
      definition user {}
      definition group {
        relation member: user | user with ok | group#member | group#member with ok | user with expiration
      }
    `;
    const past = new Date(Date.now() - 60_000).toISOString();
    const h = await open(
      schema,
      `
      group:a#member@group:b#member[ok]
      group:b#member@user:ann
      group:a#member@user:bob[ok:{"flag":true}]
      group:a#member@user:cid[expiration:${past}]
      group:a#member@user:dee
    `,
    );
    try {
      expect(await both(h.store, 50, 'group:a', 'member', user('ann'))).toBe('conditional_permission flag');
      expect(await both(h.store, 50, 'group:a', 'member', user('bob'))).toBe('has_permission');
      expect(await both(h.store, 50, 'group:a', 'member', user('cid'))).toBe('no_permission');
      expect(await both(h.store, 50, 'group:a', 'member', user('dee'))).toBe('has_permission');
      expect(await both(h.store, 50, 'group:a', 'member', user('eve'))).toBe('no_permission');
    } finally {
      await h.close();
    }
  });

  it('leave to the walk an arrow row whose subject type the schema does not allow', async () => {
    // Written straight to the store, past validation: the walk follows it (document has view),
    // so the query must not answer from the allowed types alone.
    const h = await open(DOCS, 'folder:f#viewer@user:ann');
    try {
      await h.store.write((tx) =>
        tx.apply(
          rels('document:d#parent@document:e\ndocument:e#viewer@user:bob').map((relationship) => ({
            operation: 'touch' as const,
            relationship,
          })),
        ),
      );
      expect(await both(h.store, 50, 'document:d', 'view', user('bob'))).toBe('has_permission');
      expect(await both(h.store, 50, 'document:d', 'view', user('carl'))).toBe('no_permission');
    } finally {
      await h.close();
    }
  });

  it('are counted in the metrics apart from the checks the walk answered', async () => {
    const h = await open(DOCS, 'folder:a#parent@folder:b\nfolder:b#parent@folder:a\nfolder:f#viewer@user:ann');
    try {
      const engine = createEngine({ store: h.store, cache: false });
      expect(await answer(engine, 'folder:f', 'view', user('ann'))).toBe('has_permission');
      expect(await answer(engine, 'folder:f', 'view', user('bob'))).toBe('no_permission');
      expect(await answer(engine, 'folder:a', 'view', user('bob'))).toBe('depth');
      await engine.checkBulk({ items: [{ resource: { type: 'folder', id: 'f' }, permission: 'view', subject: user('ann') }] });
      const m = engine.metrics();
      expect([m.byOperation['check']?.recursiveAnswers, m.byOperation['check']?.recursiveWalks]).toEqual([2, 1]);
      expect([m.byOperation['check_bulk']?.recursiveAnswers, m.recursiveAnswers, m.recursiveWalks]).toEqual([1, 3, 1]);
    } finally {
      await h.close();
    }
  });

  it('answer bulk check items exactly as single checks', async () => {
    const h = await open(
      DOCS,
      `
      document:d#parent@folder:f
      folder:f#viewer@group:eng#member
      group:eng#member@user:ann
      document:d#banned@user:bob
      group:eng#member@user:bob
      folder:a#parent@folder:b
      folder:b#parent@folder:a
    `,
    );
    try {
      const engine = createEngine({ store: h.store, cache: false });
      const items = [
        ['document:d', 'ann'],
        ['document:d', 'bob'],
        ['document:d', 'carl'],
        ['folder:a', 'ann'],
        ['folder:f', 'ann'],
      ].map(([resource, u]) => {
        const [type, id] = (resource as string).split(':') as [string, string];
        return { resource: { type, id }, permission: 'view', subject: user(u as string) };
      });
      const bulk = await engine.checkBulk({ items });
      const got = bulk.results.map((r) => (r.ok ? r.permissionship : r.error instanceof MaxDepthExceededError ? 'depth' : String(r.error)));
      expect(got).toEqual(['has_permission', 'no_permission', 'no_permission', 'depth', 'has_permission']);
    } finally {
      await h.close();
    }
  });
}

describe('checks answered by recursive queries on SQLite', () => {
  engineCases(async (schema, relationships) =>
    load(await openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 }), schema, relationships),
  );
});

describePostgres('checks answered by recursive queries on Postgres', (db) => {
  engineCases(async (schema, relationships) =>
    load(
      await PostgresStore.open({ url: db.url(), schema: db.schema(), quantizationMs: 0, gcIntervalMs: 0, maxConnections: 2 }),
      schema,
      relationships,
    ),
  );
});
