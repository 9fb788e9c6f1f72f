/**
 * Lookup resources beyond what the property tests generate: self-match under a set operation,
 * arrows over tuplesets with subject relations, a docs-like exclusion computed exactly or
 * confirmed by check, the large candidate sets kept for paging, and the cursor encoder.
 */
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import type { SubjectRef } from '../../src/core/index.js';
import type { Engine } from '../../src/engine/index.js';
import { remember, type Candidates } from '../../src/engine/lookup-resources.js';
import { callHash, cursorEncoder, decodeCursor, encodeCursor } from '../../src/engine/lr-cursor.js';
import { collect, setup } from './harness.js';

/** What check says for every id: the resources lookup must return, in id order. */
async function expected(engine: Engine, type: string, ids: readonly string[], permission: string, subject: SubjectRef) {
  const out: [string, string][] = [];
  for (const id of [...ids].sort()) {
    const r = await engine.check({ resource: { type, id }, permission, subject });
    if (r.permissionship !== 'no_permission') out.push([id, r.permissionship]);
  }
  return out;
}

async function lookedUp(engine: Engine, type: string, permission: string, subject: SubjectRef, limit?: number) {
  const all: [string, string][] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await collect(
      engine.lookupResources({
        resourceType: type,
        permission,
        subject,
        ...(limit ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    );
    all.push(...page.map((r): [string, string] => [r.resourceId, r.permissionship]));
    if (!limit || page.length < limit) return all;
    cursor = page[page.length - 1]?.afterResultCursor;
  }
  throw new Error('paging did not end');
}

const DOCS = `
caveat flag(allowed bool) {
  allowed
}
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  relation editor: user
  permission edit = editor + parent->edit
  permission view = viewer + edit + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | user:* | group#member | document#view
  relation banned: user | user with flag
  relation owner: user
  permission edit = owner + parent->edit
  permission view = (viewer + edit + parent->view) - banned
  permission both = viewer & parent->view
}`;

const DOCS_DATA = `
folder:root#viewer@group:eng#member
folder:root#editor@user:erin
folder:sub#parent@folder:root
folder:deep#parent@folder:sub
group:eng#member@user:alice
group:eng#member@group:ops#member
group:ops#member@user:olga
document:d1#parent@folder:root
document:d2#parent@folder:sub
document:d3#parent@folder:deep
document:d4#parent@folder:deep
document:d4#banned@user:alice
document:d5#viewer@user:*
document:d5#banned@user:olga
document:d6#owner@user:olga
document:d7#viewer@document:d1#view
document:d8#parent@folder:sub
document:d8#viewer@user:alice
document:d9#banned@user:erin[flag]
document:d9#parent@folder:root
`;

const DOC_IDS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9', 'none'];
const SUBJECTS: SubjectRef[] = [
  { type: 'user', id: 'alice' },
  { type: 'user', id: 'olga' },
  { type: 'user', id: 'erin' },
  { type: 'user', id: 'nobody' },
  { type: 'group', id: 'eng', relation: 'member' },
  { type: 'group', id: 'ops', relation: 'member' },
  { type: 'document', id: 'd1', relation: 'view' },
  { type: 'document', id: 'd4', relation: 'view' },
];

describe('lookup resources under set operations', () => {
  it('agrees with check for exclusions and intersections (exact, and confirmed when a caveat is in play), whole and paged', async () => {
    for (const cache of [undefined, false as const]) {
      const h = await setup(DOCS, DOCS_DATA, cache === false ? { cache: false, chunkSize: 2 } : {});
      try {
        for (const subject of SUBJECTS)
          for (const permission of ['view', 'both', 'edit']) {
            const want = await expected(h.engine, 'document', DOC_IDS, permission, subject);
            const where = `${permission}@${subject.type}:${subject.id}#${subject.relation ?? ''}`;
            expect([where, await lookedUp(h.engine, 'document', permission, subject)]).toEqual([where, want]);
            expect([where, await lookedUp(h.engine, 'document', permission, subject, 1)]).toEqual([where, want]);
          }
      } finally {
        await h.close();
      }
    }
  });

  it('counts the subject itself under a set operation (check self-match)', async () => {
    const h = await setup(DOCS, 'document:d4#banned@user:alice\ndocument:d7#viewer@document:d4#view');
    const subject = { type: 'document', id: 'd4', relation: 'view' };
    const want = await expected(h.engine, 'document', ['d4', 'd7'], 'view', subject);
    expect(want).toEqual([
      ['d4', 'has_permission'],
      ['d7', 'has_permission'],
    ]);
    expect(await lookedUp(h.engine, 'document', 'view', subject)).toEqual(want);
    await h.close();
  });

  it('follows arrows whatever the subject relation of the tupleset rows', async () => {
    const schema = `
definition user {}
definition team {
  relation member: user
  relation lead: user
  permission view = member + lead
}
definition project {
  relation owner: team | team#lead
  relation lead_only: team#lead
  relation banned: user
  permission view = owner->view - banned
  permission lead_view = lead_only->view - banned
}`;
    const data = `
team:a#member@user:ann
team:b#lead@user:ann
team:c#member@user:ann
project:p1#owner@team:a
project:p2#owner@team:b#lead
project:p3#lead_only@team:c#lead
project:p4#owner@team:c
project:p4#banned@user:ann
`;
    const h = await setup(schema, data);
    const subject = { type: 'user', id: 'ann' };
    for (const permission of ['view', 'lead_view']) {
      const want = await expected(h.engine, 'project', ['p1', 'p2', 'p3', 'p4'], permission, subject);
      expect(await lookedUp(h.engine, 'project', permission, subject)).toEqual(want);
    }
    expect((await lookedUp(h.engine, 'project', 'view', subject)).map(([id]) => id)).toEqual(['p1', 'p2']);
    expect((await lookedUp(h.engine, 'project', 'lead_view', subject)).map(([id]) => id)).toEqual(['p3']);
    await h.close();
  });

  it('pages through many results with cursors', async () => {
    const lines = ['folder:f#viewer@user:ann', 'document:x0#banned@user:ann'];
    for (let i = 0; i < 2500; i++) lines.push(`document:x${i}#parent@folder:f`);
    const h = await setup(DOCS, lines.join('\n'));
    const subject = { type: 'user', id: 'ann' };
    const all = await lookedUp(h.engine, 'document', 'view', subject);
    expect(all.length).toBe(2499);
    expect(all.map(([id]) => id)).toEqual(Array.from({ length: 2499 }, (_, i) => `x${i + 1}`).sort());
    expect(await lookedUp(h.engine, 'document', 'view', subject, 1000)).toEqual(all);
    expect(await lookedUp(h.engine, 'document', 'view', subject, 7)).toEqual(all);
    await h.close();
  });
});

describe('candidate sets kept for paging', () => {
  const cands = (n: number, tag: string): Candidates => ({ ids: Array.from({ length: n }, (_, i) => `${tag}${i}`), needsCheck: false });
  const limits = { small: 10, budget: 50 };

  it('keeps small sets freely and large ones within the budget, dropping the oldest large first', () => {
    const core = { candidates: new LRUCache<string, Candidates>({ max: 256 }) };
    for (let i = 0; i < 20; i++) remember(core, `small${i}`, cands(10, 's'), limits);
    const a = cands(20, 'a');
    const b = cands(20, 'b');
    const c = cands(20, 'c');
    remember(core, 'a', a, limits);
    remember(core, 'b', b, limits);
    expect(core.candidates.get('a')).toBe(a);
    expect(core.candidates.get('b')).toBe(b);
    remember(core, 'c', c, limits);
    expect(core.candidates.get('a')).toBeUndefined();
    expect(core.candidates.get('b')).toBe(b);
    expect(core.candidates.get('c')).toBe(c);
    for (let i = 0; i < 20; i++) expect(core.candidates.get(`small${i}`)).toBeDefined();
    // Over the whole budget: never kept, and nothing else is dropped for it.
    remember(core, 'huge', cands(51, 'h'), limits);
    expect(core.candidates.get('huge')).toBeUndefined();
    expect(core.candidates.get('b')).toBe(b);
  });

  it('stops counting sets the cache itself dropped', () => {
    const core = { candidates: new LRUCache<string, Candidates>({ max: 256 }) };
    remember(core, 'a', cands(30, 'a'), limits);
    core.candidates.clear();
    const b = cands(30, 'b');
    remember(core, 'b', b, limits);
    expect(core.candidates.get('b')).toBe(b);
    const c = cands(20, 'c');
    remember(core, 'c', c, limits);
    expect(core.candidates.get('b')).toBe(b);
    expect(core.candidates.get('c')).toBe(c);
  });
});

describe('lookup resources cursors', () => {
  it('the per-call encoder decodes exactly as encodeCursor does, for any revision width and id', () => {
    const ids = [
      'a',
      'ab',
      'abc',
      'abcd',
      'doc-1',
      'x'.repeat(200),
      'y'.repeat(1024),
      'z'.repeat(2000),
      '~ !',
      '\x7f',
      'tab\t',
      'with"quote',
      'back\\slash',
      'ünïcødé',
      '日本語',
      'emoji-😀',
      '',
      '*',
    ];
    for (const revision of [1, 12, 123, 1234, 12345, 9007199254740991]) {
      const hash = callHash('document', 'view', { type: 'user', id: `u${revision}` }, revision % 2 ? { a: 1 } : undefined);
      const encode = cursorEncoder(revision, hash);
      for (const after of ids) {
        const text = encode(after);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        // Canonical base64url: re-encoding the bytes gives the same text.
        expect(Buffer.from(text, 'base64url').toString('base64url')).toBe(text);
        expect(decodeCursor(text, hash)).toEqual({ revision, hash, after });
        expect(decodeCursor(text, hash)).toEqual(decodeCursor(encodeCursor({ revision, hash, after }), hash));
      }
    }
  });
});
