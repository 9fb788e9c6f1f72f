import { describe, expect, it } from 'vitest';
import {
  CaveatParameterTypeError,
  InvalidRevisionError,
  MaxDepthExceededError,
  RelationNotFoundError,
  SchemaNotFoundError,
  decodeZedToken,
  encodeZedToken,
} from '../../src/core/index.js';
import { createEngine } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { collect, rels, setup } from './harness.js';

const SCHEMA = `
caveat on_weekday(day string) {
  day != "saturday" && day != "sunday"
}
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | user with on_weekday | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
}`;

const DATA = `
group:eng#member@user:alice
document:d1#viewer@group:eng#member
document:d1#viewer@user:bob[on_weekday]
document:d1#viewer@user:sam[on_weekday:{"day":"monday"}]
document:d1#banned@user:mallory
document:d1#viewer@user:mallory
document:d2#parent@folder:f1
folder:f1#viewer@user:carol
`;

describe('caveats', () => {
  it('is conditional without context, decided with it, and relationship context wins', async () => {
    const h = await setup(SCHEMA, DATA);
    const check = (user: string, context?: Record<string, string>) =>
      h.engine.check({
        resource: { type: 'document', id: 'd1' },
        permission: 'view',
        subject: { type: 'user', id: user },
        ...(context ? { context } : {}),
      });
    const bob = await check('bob');
    expect([bob.permissionship, bob.missingContext]).toEqual(['conditional_permission', ['day']]);
    expect((await check('bob', { day: 'tuesday' })).permissionship).toBe('has_permission');
    expect((await check('bob', { day: 'sunday' })).permissionship).toBe('no_permission');
    expect((await check('sam', { day: 'sunday' })).permissionship).toBe('has_permission');
    expect((await check('bob', { day: 'monday', unknown: 'ignored' })).permissionship).toBe('has_permission');
    await expect(
      h.engine.check({
        resource: { type: 'document', id: 'd1' },
        permission: 'view',
        subject: { type: 'user', id: 'bob' },
        context: { day: 3 },
      }),
    ).rejects.toBeInstanceOf(CaveatParameterTypeError);
    await h.close();
  });
});

describe('bulk check', () => {
  it('keeps the order, reports per-item errors and shares sub-problems', async () => {
    const h = await setup(SCHEMA, DATA);
    const item = (id: string, user: string, permission = 'view') => ({
      resource: { type: 'document', id },
      permission,
      subject: { type: 'user', id: user },
    });
    const r = await h.engine.checkBulk({
      items: [
        item('d1', 'alice'),
        item('d1', 'nobody'),
        item('d1', 'alice', 'nope'),
        item('d2', 'carol'),
        { ...item('d1', 'bob'), context: { day: 'friday' } },
        item('d1', 'bob'),
      ],
    });
    expect(r.results.map((x) => (x.ok ? [x.permissionship, x.missingContext] : [x.error.constructor.name, x.error.message]))).toEqual([
      ['has_permission', undefined],
      ['no_permission', undefined],
      ['RelationNotFoundError', 'relation/permission `nope` not found under definition `document`'],
      ['has_permission', undefined],
      ['has_permission', undefined],
      ['conditional_permission', ['day']],
    ]);
    expect(decodeZedToken(r.checkedAt).revision).toBe(h.revision);
    await h.close();
  });

  it('reports a depth error for the items that hit it only', async () => {
    const h = await setup(SCHEMA, 'folder:a#parent@folder:b\nfolder:b#parent@folder:a\nfolder:c#viewer@user:x');
    const r = await h.engine.checkBulk({
      items: [
        { resource: { type: 'folder', id: 'a' }, permission: 'view', subject: { type: 'user', id: 'x' } },
        { resource: { type: 'folder', id: 'c' }, permission: 'view', subject: { type: 'user', id: 'x' } },
      ],
    });
    expect(r.results[0]?.ok === false && r.results[0].error).toBeInstanceOf(MaxDepthExceededError);
    expect(r.results[1]).toEqual({ ok: true, permissionship: 'has_permission' });
    await h.close();
  });
});

describe('explain traces', () => {
  it('shows the sub-problems and relationships that allowed a check', async () => {
    const h = await setup(SCHEMA, DATA);
    const r = await h.engine.check({
      resource: { type: 'document', id: 'd1' },
      permission: 'view',
      subject: { type: 'user', id: 'alice' },
      trace: true,
    });
    const t = r.trace;
    expect(t && [t.resource, t.permission, t.permissionType, t.result, t.wasCached]).toEqual([
      { type: 'document', id: 'd1' },
      'view',
      'permission',
      'has_permission',
      false,
    ]);
    const viewer = t?.children.find((c) => c.permission === 'viewer');
    expect(viewer?.result).toBe('has_permission');
    expect(
      viewer?.relationships?.map((x) => `${x.resource.id}#${x.relation}@${x.subject.type}:${x.subject.id}#${x.subject.relation ?? ''}`),
    ).toEqual(['d1#viewer@group:eng#member']);
    expect(viewer?.children.map((c) => [`${c.resource.type}:${c.resource.id}#${c.permission}`, c.result])).toEqual([
      ['group:eng#member', 'has_permission'],
    ]);
    // The same check again is answered from the cache, and the trace says so.
    const again = await h.engine.check({
      resource: { type: 'document', id: 'd1' },
      permission: 'view',
      subject: { type: 'user', id: 'alice' },
      trace: true,
    });
    expect(again.trace?.wasCached).toBe(true);
    await h.close();
  });

  it('says why a check was denied, caveat evaluation included', async () => {
    const h = await setup(SCHEMA, DATA);
    const r = await h.engine.check({
      resource: { type: 'document', id: 'd1' },
      permission: 'view',
      subject: { type: 'user', id: 'bob' },
      context: { day: 'sunday' },
      trace: true,
    });
    expect(r.permissionship).toBe('no_permission');
    const viewer = r.trace?.children.find((c) => c.permission === 'viewer');
    expect(viewer?.result).toBe('no_permission');
    expect(viewer?.caveat).toEqual({
      name: 'on_weekday',
      expression: 'day != "saturday" && day != "sunday"',
      result: 'false',
      context: { day: 'sunday' },
    });
    const banned = await h.engine.check({
      resource: { type: 'document', id: 'd1' },
      permission: 'view',
      subject: { type: 'user', id: 'mallory' },
      trace: true,
    });
    expect(banned.trace?.children.map((c) => [c.permission, c.result])).toEqual([
      ['viewer', 'has_permission'],
      ['banned', 'has_permission'],
    ]);
    await h.close();
  });
});

describe('consistency', () => {
  it('resolves each mode to the right revision', async () => {
    const store = await openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 });
    const engine = createEngine({ store });
    await expect(
      engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: 'u' } }),
    ).rejects.toBeInstanceOf(SchemaNotFoundError);
    const { revision: r1 } = await store.write(async (tx) => tx.writeSchema(SCHEMA));
    const { revision: r2 } = await store.write(async (tx) =>
      tx.apply(rels('folder:f#viewer@user:u').map((relationship) => ({ operation: 'touch' as const, relationship }))),
    );
    expect(await engine.resolveRevision()).toBe(r2);
    expect(await engine.resolveRevision({ kind: 'fully_consistent' })).toBe(r2);
    expect(await engine.resolveRevision({ kind: 'at_exact_snapshot', token: engine.tokenFor(r1) })).toBe(r1);
    expect(await engine.resolveRevision({ kind: 'at_least_as_fresh', token: engine.tokenFor(r1) })).toBe(r2);
    const foreign = encodeZedToken(r1, 'otherstore-id');
    expect(await engine.resolveRevision({ kind: 'at_least_as_fresh', token: foreign })).toBe(r2);
    await expect(engine.resolveRevision({ kind: 'at_exact_snapshot', token: foreign })).rejects.toThrow(
      new InvalidRevisionError('foreign'),
    );
    await expect(engine.resolveRevision({ kind: 'at_least_as_fresh', token: 'not a token!' })).rejects.toThrow(
      new InvalidRevisionError('malformed', 'token is not base64'),
    );
    await expect(engine.resolveRevision({ kind: 'at_exact_snapshot', token: engine.tokenFor(r2 + 10) })).rejects.toThrow(
      new InvalidRevisionError('future'),
    );
    // Reads at the older snapshot do not see the later write.
    const at = (token: string) =>
      engine.check({
        resource: { type: 'folder', id: 'f' },
        permission: 'view',
        subject: { type: 'user', id: 'u' },
        consistency: { kind: 'at_exact_snapshot', token },
      });
    expect((await at(engine.tokenFor(r1))).permissionship).toBe('no_permission');
    expect((await at(engine.tokenFor(r2))).permissionship).toBe('has_permission');
    await store.close();
  });

  it('reads its own writes under minimize_latency when asked to', async () => {
    const store = await openStore('memory', { quantizationMs: 60_000, gcIntervalMs: 0 });
    const engine = createEngine({ store, readYourWrites: true });
    await store.write(async (tx) => tx.writeSchema(SCHEMA));
    const { revision } = await store.write(async (tx) =>
      tx.apply(rels('folder:f#viewer@user:u').map((relationship) => ({ operation: 'touch' as const, relationship }))),
    );
    expect(await engine.resolveRevision()).toBeLessThan(revision);
    engine.noteWrite(revision);
    expect(await engine.resolveRevision()).toBe(revision);
    await store.close();
  });
});

describe('expand', () => {
  it('returns one level of the userset tree, and the full tree when recursive', async () => {
    const h = await setup(SCHEMA, DATA);
    const shallow = await h.engine.expand({ resource: { type: 'document', id: 'd2' }, permission: 'view' });
    expect(shallow.tree).toEqual({
      kind: 'intermediate',
      operation: 'exclusion',
      expanded: { type: 'document', id: 'd2' },
      relation: 'view',
      children: [
        {
          kind: 'intermediate',
          operation: 'union',
          expanded: { type: 'document', id: 'd2' },
          relation: 'view',
          children: [
            { kind: 'leaf', subjects: [], expanded: { type: 'document', id: 'd2' }, relation: 'viewer' },
            {
              kind: 'intermediate',
              operation: 'union',
              expanded: { type: 'document', id: 'd2' },
              relation: 'view',
              children: [
                {
                  kind: 'intermediate',
                  operation: 'union',
                  expanded: { type: 'folder', id: 'f1' },
                  relation: 'view',
                  children: [
                    { kind: 'leaf', subjects: [{ type: 'user', id: 'carol' }], expanded: { type: 'folder', id: 'f1' }, relation: 'viewer' },
                    { kind: 'intermediate', operation: 'union', children: [], expanded: { type: 'folder', id: 'f1' }, relation: 'view' },
                  ],
                },
              ],
            },
          ],
        },
        { kind: 'leaf', subjects: [], expanded: { type: 'document', id: 'd2' }, relation: 'banned' },
      ],
    });
    const d1 = await h.engine.expand({ resource: { type: 'document', id: 'd1' }, permission: 'viewer' });
    expect(d1.tree.kind === 'leaf' && d1.tree.subjects).toEqual([
      { type: 'group', id: 'eng', relation: 'member' },
      { type: 'user', id: 'bob', caveated: true },
      { type: 'user', id: 'mallory' },
      { type: 'user', id: 'sam', caveated: true },
    ]);
    const deep = await h.engine.expand({ resource: { type: 'document', id: 'd1' }, permission: 'viewer', recursive: true });
    expect(deep.tree.kind === 'intermediate' && deep.tree.children.map((c) => `${c.expanded.type}:${c.expanded.id}#${c.relation}`)).toEqual(
      ['document:d1#viewer', 'group:eng#member'],
    );
    await expect(h.engine.expand({ resource: { type: 'document', id: 'd1' }, permission: 'nope' })).rejects.toThrow(
      new RelationNotFoundError('document', 'nope'),
    );
    await h.close();
  });

  it('flattens the membership with the direct relations each subject came through', async () => {
    const h = await setup(SCHEMA, DATA + '\ndocument:d1#banned@user:alice');
    const found = await h.engine.expandSubjects({ type: 'document', id: 'd1' }, 'view', h.revision);
    const text = found
      .map(
        (f) =>
          `${f.subject.type}:${f.subject.id}${f.subject.relation ? `#${f.subject.relation}` : ''}${f.caveated ? '[...]' : ''} <${f.parents.join('/')}>`,
      )
      .sort();
    expect(text).toEqual([
      'group:eng#member <document:d1#viewer>',
      'user:bob[...] <document:d1#viewer>',
      'user:sam[...] <document:d1#viewer>',
    ]);
    await h.close();
  });
});

describe('self and metrics', () => {
  it('supports `self` and counts dispatches and cache hits per operation', async () => {
    const h = await setup('use self\ndefinition user {\n  permission myself = self\n}', '');
    const check = (a: string, b: string) =>
      h.engine.check({ resource: { type: 'user', id: a }, permission: 'myself', subject: { type: 'user', id: b } });
    expect((await check('ann', 'ann')).permissionship).toBe('has_permission');
    expect((await check('ann', 'bob')).permissionship).toBe('no_permission');
    await check('ann', 'ann');
    const m = h.engine.metrics();
    expect(m.byOperation['check']).toEqual({ dispatches: 3, cacheHits: 1, cacheMisses: 2, recursiveAnswers: 0, recursiveWalks: 0 });
    expect(
      await collect(h.engine.lookupResources({ resourceType: 'user', permission: 'myself', subject: { type: 'user', id: 'ann' } })),
    ).toHaveLength(1);
    await h.close();
  });
});

describe('expiration', () => {
  it('ignores expired relationships in check and lookups', async () => {
    const schema =
      'use expiration\ndefinition user {}\ndefinition document {\n  relation viewer: user with expiration\n  permission view = viewer\n}';
    const h = await setup(
      schema,
      'document:d#viewer@user:old[expiration:2000-01-01T00:00:00Z]\ndocument:d#viewer@user:new[expiration:2999-01-01T00:00:00Z]',
    );
    const view = async (user: string) =>
      (await h.engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: user } }))
        .permissionship;
    expect([await view('old'), await view('new')]).toEqual(['no_permission', 'has_permission']);
    const subjects = await collect(
      h.engine.lookupSubjects({ resource: { type: 'document', id: 'd' }, permission: 'view', subjectType: 'user' }),
    );
    expect(subjects.map((s) => s.subject.id)).toEqual(['new']);
    expect(
      await collect(h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject: { type: 'user', id: 'old' } })),
    ).toEqual([]);
    await h.close();
  });
});
