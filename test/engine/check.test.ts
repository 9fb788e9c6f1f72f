import { describe, expect, it } from 'vitest';
import {
  DefinitionNotFoundError,
  MaxDepthExceededError,
  RelationNotFoundError,
  WildcardNotAllowedError,
  parseSubjectRef,
  parseObjectRef,
} from '../../src/core/index.js';
import { setup } from './harness.js';

const DOCS = `
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation owner: user
  relation viewer: user | user:* | group#member
  relation banned: user | user:*
  permission edit = owner
  permission view = (viewer + edit + parent->view) - banned
  permission both = viewer & owner
  permission nothing = nil
  permission all_parents = parent.all(view)
}`;

const DATA = `
group:eng#member@user:alice
group:eng#member@group:leads#member
group:leads#member@user:bob
folder:root#viewer@group:eng#member
folder:sub#parent@folder:root
document:readme#parent@folder:sub
document:readme#owner@user:carol
document:readme#banned@user:dave
document:readme#viewer@user:dave
document:pub#viewer@user:*
document:pub#banned@user:eve
document:two#parent@folder:sub
document:two#parent@folder:other
document:two#viewer@user:carol
document:two#owner@user:carol
`;

async function perm(h: Awaited<ReturnType<typeof setup>>, rel: string): Promise<string> {
  const [res, subj] = rel.split('@') as [string, string];
  const [obj, p] = res.split('#') as [string, string];
  const r = await h.engine.check({ resource: parseObjectRef(obj), permission: p, subject: parseSubjectRef(subj) });
  return r.permissionship;
}

describe('check', () => {
  it('answers each construct', async () => {
    const h = await setup(DOCS, DATA);
    const cases: [string, string][] = [
      ['document:readme#view@user:alice', 'has_permission'], // arrow -> arrow -> subject set -> subject set
      ['document:readme#view@user:bob', 'has_permission'], // nested group
      ['document:readme#view@user:carol', 'has_permission'], // edit = owner
      ['document:readme#view@user:dave', 'no_permission'], // banned wins over viewer
      ['document:readme#view@user:zed', 'no_permission'],
      ['document:pub#view@user:anyone', 'has_permission'], // wildcard
      ['document:pub#view@user:eve', 'no_permission'], // wildcard minus banned
      ['document:two#both@user:carol', 'has_permission'],
      ['document:readme#both@user:carol', 'no_permission'],
      ['document:readme#nothing@user:carol', 'no_permission'],
      ['document:readme#all_parents@user:alice', 'has_permission'], // one parent, it has view
      ['document:two#all_parents@user:alice', 'no_permission'], // folder:other lacks view
      ['document:pub#all_parents@user:alice', 'no_permission'], // no parents at all
      ['group:eng#member@group:eng#member', 'has_permission'], // self-match
      ['document:readme#viewer@group:eng#member', 'no_permission'],
      ['folder:root#viewer@group:eng#member', 'has_permission'], // subject set as subject
      ['folder:root#view@group:leads#member', 'has_permission'], // reached through eng's member
    ];
    for (const [q, want] of cases) expect([q, await perm(h, q)]).toEqual([q, want]);
    await h.close();
  });

  it('rejects unknown definitions, relations and wildcard subjects with the typed errors', async () => {
    const h = await setup(DOCS, DATA);
    const subject = { type: 'user', id: 'alice' };
    await expect(h.engine.check({ resource: { type: 'nope', id: 'x' }, permission: 'view', subject })).rejects.toThrow(
      new DefinitionNotFoundError('nope'),
    );
    await expect(h.engine.check({ resource: { type: 'document', id: 'x' }, permission: 'nope', subject })).rejects.toThrow(
      new RelationNotFoundError('document', 'nope'),
    );
    const err = await h.engine
      .check({ resource: { type: 'document', id: 'x' }, permission: 'view', subject: { type: 'user', id: '*' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WildcardNotAllowedError);
    expect((err as Error).message).toBe('cannot perform check on wildcard subject');
    await h.close();
  });

  it('fails with MaxDepthExceededError on cyclic data unless a positive answer comes first', async () => {
    const h = await setup(
      DOCS,
      `
      folder:a#parent@folder:b
      folder:b#parent@folder:a
      folder:b#viewer@user:alice
    `,
    );
    const view = (id: string, user: string) =>
      h.engine.check({ resource: { type: 'folder', id }, permission: 'view', subject: { type: 'user', id: user } });
    expect((await view('a', 'alice')).permissionship).toBe('has_permission');
    const err = await view('a', 'bob').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaxDepthExceededError);
    expect((err as Error).message).toBe(
      'max depth exceeded: this usually indicates a recursive or too deep data dependency. See https://spicedb.dev/d/debug-max-depth',
    );
    // A cache hit must not hide the depth error either.
    await expect(view('a', 'bob')).rejects.toBeInstanceOf(MaxDepthExceededError);
    await h.close();
  });

  it('honours a smaller depth limit for deep but acyclic data', async () => {
    const chain = Array.from({ length: 12 }, (_, i) => `folder:f${i + 1}#parent@folder:f${i}`).join('\n') + '\nfolder:f0#viewer@user:alice';
    const shallow = await setup(DOCS, chain, { maxDepth: 10 });
    const q = { resource: { type: 'folder', id: 'f12' }, permission: 'view', subject: { type: 'user', id: 'alice' } };
    await expect(shallow.engine.check(q)).rejects.toBeInstanceOf(MaxDepthExceededError);
    await shallow.close();
    const deep = await setup(DOCS, chain, { maxDepth: 50 });
    expect((await deep.engine.check(q)).permissionship).toBe('has_permission');
    await deep.close();
  });
});

describe('check on wide objects', () => {
  it('answers the same when an object has too many relationships to load whole', async () => {
    const members = Array.from({ length: 80 }, (_, i) => `group:wide#member@user:u${i}`).join('\n');
    const h = await setup(
      DOCS,
      `${members}\ngroup:wide#member@group:leads#member\ngroup:leads#member@user:bob\ndocument:d#viewer@group:wide#member\ndocument:d#banned@user:u7`,
    );
    const view = async (user: string) =>
      (await h.engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: user } }))
        .permissionship;
    expect([await view('u0'), await view('u79'), await view('bob'), await view('u7'), await view('u80')]).toEqual([
      'has_permission',
      'has_permission',
      'has_permission',
      'no_permission',
      'no_permission',
    ]);
    await h.close();
  });
});
