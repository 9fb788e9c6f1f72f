/**
 * Trellis.importRelationships: validation with the per-shape cache must throw exactly what
 * validating each relationship alone throws, duplicates anywhere fail the whole import and
 * leave the store unchanged, and every kind of source (array, generator, async generator,
 * promises) imports the same, on a file store big enough for the SQLite bulk-load path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CaveatParameterTypeError,
  ContextTooLargeError,
  InvalidArgumentError,
  InvalidSubjectTypeError,
  RelationNotFoundError,
  RelationshipAlreadyExistsError,
  formatRelationship,
  parseRelationship,
  type Relationship,
} from '../../core/index.js';
import { compileSchemaOrThrow } from '../../schema/index.js';
import { validateRelationshipUpdate } from './schema-checks.js';
import { Trellis } from './trellis.js';

const SCHEMA = `use expiration

definition user {}

definition group {
  relation member: user | group#member
}

caveat only_on(day string) {
  day == "monday"
}

definition document {
  relation owner: user
  relation viewer: user | user:* | group#member | user with only_on | user with expiration
  permission view = viewer + owner
}
`;

const dir = mkdtempSync(join(tmpdir(), 'trellis-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let t: Trellis;
beforeEach(async () => {
  t = await Trellis.open({ datastore: join(dir, `t${n++}.db`), quantizationMs: 0, gcIntervalMs: 0 });
  await t.writeSchema(SCHEMA);
});
afterEach(async () => {
  await t.close();
});

/** Above the SQLite store's load-then-index threshold. */
const BIG = 6000;

const docs = (count: number, from = 0): string[] =>
  Array.from({ length: count }, (_, i) => `document:d${from + i}#${i % 5 === 0 ? 'owner' : 'viewer'}@user:u${(from + i) % 89}`);

const parseForTest = (text: string): Relationship => parseRelationship(text);

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
}

async function all(): Promise<string[]> {
  const out: string[] = [];
  for await (const page of t.exportRelationships({ pageSize: 1000 })) for (const r of page.relationships) out.push(formatRelationship(r));
  return out.sort();
}

describe('importRelationships', () => {
  it('imports a big source from every kind of iterable and answers checks and lookups', async () => {
    const rels = docs(BIG);
    const { loaded } = await t.importRelationships(
      (async function* () {
        yield rels.slice(0, 1000);
        for (const r of rels.slice(1000, 2000)) yield r;
        yield rels.slice(2000);
      })(),
    );
    expect(loaded).toBe(BIG);
    expect((await t.check('document:d7', 'view', 'user:u7')).permissionship).toBe('has_permission');
    expect((await t.check('document:d7', 'view', 'user:u8')).permissionship).toBe('no_permission');
    const subjects: string[] = [];
    for await (const s of t.lookupSubjects('document:d100', 'view', 'user')) subjects.push(s.subject.id);
    expect(subjects).toEqual(['u11']);
    const resources: string[] = [];
    for await (const r of t.lookupResources('document', 'view', 'user:u3')) resources.push(r.resourceId);
    expect(resources.sort()).toEqual(
      rels
        .filter((r) => r.endsWith('@user:u3'))
        .map((r) => r.slice('document:'.length, r.indexOf('#')))
        .sort(),
    );

    // A plain iterable whose items are promises, and one of arrays.
    const more = docs(10, BIG);
    expect((await t.importRelationships(more.map((r) => Promise.resolve(r)) as unknown as string[])).loaded).toBe(10);
    expect((await t.importRelationships([docs(3, BIG + 10), docs(2, BIG + 13)])).loaded).toBe(5);
    expect(await all()).toEqual([...rels, ...more, ...docs(3, BIG + 10), ...docs(2, BIG + 13)].sort());
  });

  it('a duplicate inside the source, however far apart, fails the import and changes nothing', async () => {
    await t.importRelationships(['document:x#viewer@user:x']);
    const before = await all();
    const rels = docs(BIG);
    rels.push('document:d17#viewer@user:u17[only_on]');
    const err = await rejection(t.importRelationships(rels));
    expect(err).toBeInstanceOf(RelationshipAlreadyExistsError);
    expect(err.message).toContain('`document:d17#viewer@user:u17`');
    expect(await all()).toEqual(before);
  });

  it('a relationship that is already live fails the import and changes nothing', async () => {
    await t.importRelationships(docs(BIG));
    const before = await all();
    const err = await rejection(t.importRelationships([...docs(BIG, BIG), 'document:d3#viewer@user:u3']));
    expect(err).toBeInstanceOf(RelationshipAlreadyExistsError);
    expect(err.message).toContain('`document:d3#viewer@user:u3`');
    expect(await all()).toEqual(before);
    // The same relationships import once the clash is gone.
    expect((await t.importRelationships(docs(BIG, BIG))).loaded).toBe(BIG);
  });

  it('validates each relationship as validateRelationshipUpdate would, after its shape was seen valid', async () => {
    const schema = compileSchemaOrThrow(SCHEMA);
    const expected = (text: string): Error => {
      try {
        validateRelationshipUpdate(schema, parseForTest(text), 'create');
      } catch (e) {
        return e as Error;
      }
      throw new Error(`${text} is valid`);
    };
    const bad: [string, new (...args: never[]) => Error][] = [
      ['document:*#viewer@user:u1', InvalidArgumentError],
      ['document:a b#viewer@user:u1', InvalidArgumentError],
      ['document:d1#viewer@user:u 1', InvalidArgumentError],
      ['document:d1#owner@user:*', InvalidSubjectTypeError],
      ['document:d1#owner@group:g#member', InvalidSubjectTypeError],
      ['document:d1#owner@user:u1[only_on]', InvalidSubjectTypeError],
      ['document:d1#viewer@user:u1[only_on:{"day":1}]', CaveatParameterTypeError],
      ['document:d1#editor@user:u1', RelationNotFoundError],
      ['document:d1#viewer@group:g#nope', RelationNotFoundError],
    ];
    for (const [text, cls] of bad) {
      // Valid relationships of every shape first, so each shape is cached before the bad one.
      const source = [
        ...docs(20),
        'document:d1#viewer@user:*',
        'document:d1#viewer@group:g#member',
        'document:d2#viewer@user:u1[only_on]',
        text,
      ];
      const err = await rejection(t.importRelationships(source));
      expect(err, text).toBeInstanceOf(cls);
      expect(err.message, text).toBe(expected(text).message);
    }
    const big = `document:d1#viewer@user:u1[only_on:{"day":"${'x'.repeat(30_000)}"}]`;
    expect(await rejection(t.importRelationships([...docs(3), big]))).toBeInstanceOf(ContextTooLargeError);
    expect(await all()).toEqual([]);
  });

  it('keeps caveats, contexts and expirations', async () => {
    const rels: Relationship[] = [
      ...docs(BIG).map((r) => parseForTest(r)),
      parseForTest('document:c1#viewer@user:u1[only_on:{"day":"monday"}]'),
      parseForTest('document:c2#viewer@user:u1[only_on]'),
      { ...parseForTest('document:e1#viewer@user:u1'), expiresAt: new Date('2999-01-01T00:00:00Z') },
    ];
    await t.importRelationships(rels);
    const got = await all();
    expect(got).toContain('document:c1#viewer@user:u1[only_on:{"day":"monday"}]');
    expect(got).toContain('document:c2#viewer@user:u1[only_on]');
    expect(got.filter((r) => r.startsWith('document:e1#viewer@user:u1'))).toHaveLength(1);
    expect(got).toHaveLength(BIG + 3);
  });
});
