/**
 * The store conformance suite: every Store adapter calls `runStoreConformance` in one line
 * and must pass every category it does not skip with a reason (SpiceDB's
 * pkg/datastore/test, OpenFGA's pkg/storage/test).
 *
 * The factory receives option overrides (GC window, quantization) and must return a fresh,
 * empty store that honours them.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import {
  CounterAlreadyRegisteredError,
  CounterNotRegisteredError,
  EmptyPreconditionError,
  InvalidRevisionError,
  PreconditionFailedError,
  RelationshipAlreadyExistsError,
  TooManyRelationshipsForDeleteError,
  TrellisError,
  formatRelationship,
  parseRelationship,
  type Relationship,
  type RelationshipFilter,
  type RelationshipUpdate,
} from '../../src/core/index.js';
import type { QueryOptions, Store, StoreOptions } from '../../src/store/index.js';

export type StoreFactory = (overrides?: StoreOptions) => Promise<Store>;

export const CATEGORIES = [
  'revisions',
  'writes',
  'preconditions',
  'delete-by-filter',
  'queries',
  'expiration',
  'schema',
  'change-feed',
  'gc',
  'bulk-create',
  'concurrency',
  'counters',
  'errors',
] as const;
export type Category = (typeof CATEGORIES)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rel = (text: string): Relationship => parseRelationship(text);
const texts = (rs: readonly Relationship[]): string[] => rs.map(formatRelationship);
const op = (operation: RelationshipUpdate['operation'], text: string): RelationshipUpdate => ({ operation, relationship: rel(text) });

async function create(store: Store, ...relationships: string[]): Promise<number> {
  const { revision } = await store.write((tx) => tx.apply(relationships.map((t) => op('create', t))));
  return revision;
}

async function readAll(store: Store, filter: RelationshipFilter = {}, options?: QueryOptions): Promise<string[]> {
  return texts(await store.reader(await store.headRevision()).query(filter, options));
}

async function expectError<E extends Error>(p: Promise<unknown>, cls: new (...args: never[]) => E, message: string): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  expect((err as Error).message).toBe(message);
  return err as E;
}

const FUTURE = '2999-01-01T00:00:00Z';
const PAST = '2001-01-01T00:00:00Z';

export function runStoreConformance(name: string, factory: StoreFactory, options?: { skip?: Partial<Record<Category, string>> }): void {
  const open: Store[] = [];
  const fresh = async (overrides: StoreOptions = {}): Promise<Store> => {
    const s = await factory({ quantizationMs: 0, gcIntervalMs: 0, ...overrides });
    open.push(s);
    return s;
  };

  const category = (c: Category, body: () => void) => {
    const reason = options?.skip?.[c];
    if (reason) describe.skip(`${c} (skipped: ${reason})`, body);
    else describe(c, body);
  };

  describe(`store conformance: ${name}`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    category('revisions', () => {
      test('a fresh store is at revision 1 and each write, even an empty one, adds one', async () => {
        const s = await fresh();
        expect(await s.headRevision()).toBe(1);
        expect(await s.optimizedRevision()).toBe(1);
        const { result, revision } = await s.write(async () => 'done');
        expect(result).toBe('done');
        expect(revision).toBe(2);
        expect(await create(s, 'document:a#viewer@user:tom')).toBe(3);
        expect(await s.headRevision()).toBe(3);
        expect(await s.optimizedRevision()).toBe(3);
      });

      test('a reader at an old revision sees the state as of that revision', async () => {
        const s = await fresh();
        const r1 = await create(s, 'document:a#viewer@user:tom', 'document:a#viewer@user:ann');
        const { revision: r2 } = await s.write((tx) =>
          tx.apply([
            op('delete', 'document:a#viewer@user:tom'),
            op('touch', 'document:a#viewer@user:ann[expiration:2999-01-01T00:00:00Z]'),
            op('create', 'document:b#viewer@user:bob'),
          ]),
        );
        expect(texts(await s.reader(1).query({ resourceType: 'document' }))).toEqual([]);
        expect(texts(await s.reader(r1).query({ resourceType: 'document' }))).toEqual([
          'document:a#viewer@user:ann',
          'document:a#viewer@user:tom',
        ]);
        expect(texts(await s.reader(r2).query({ resourceType: 'document' }))).toEqual([
          `document:a#viewer@user:ann[expiration:${FUTURE}]`,
          'document:b#viewer@user:bob',
        ]);
        expect(await s.reader(r1).count({ resourceType: 'document' })).toBe(2);
      });

      test('checkRevision accepts retained revisions and rejects future ones', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        await s.checkRevision(1);
        await s.checkRevision(2);
        await expectError(s.checkRevision(3), InvalidRevisionError, 'invalid revision: revision is in the future');
        const err = await expectError(s.checkRevision(99), InvalidRevisionError, 'invalid revision: revision is in the future');
        expect(err.reason).toBe('future');
      });

      test('the optimized revision is quantized: a window that started before the store existed yields the oldest revision', async () => {
        const s = await fresh({ quantizationMs: 100 * 365 * 24 * 3600 * 1000 });
        await create(s, 'document:a#viewer@user:tom');
        await create(s, 'document:b#viewer@user:tom');
        expect(await s.headRevision()).toBe(3);
        expect(await s.optimizedRevision()).toBe(1);
      });

      test('a failed transaction leaves nothing behind and does not advance the head', async () => {
        const s = await fresh();
        const boom = new Error('boom');
        const err = await s
          .write(async (tx) => {
            await tx.apply([op('create', 'document:a#viewer@user:tom')]);
            await tx.writeSchema('definition user {}');
            throw boom;
          })
          .catch((e: unknown) => e);
        expect(err).toBe(boom);
        expect(await s.headRevision()).toBe(1);
        expect(await readAll(s)).toEqual([]);
        expect(await s.reader(1).readSchema()).toBeUndefined();
        expect(await create(s, 'document:b#viewer@user:tom')).toBe(2);
      });

      test('readers never see an open transaction, neither its rows nor its revision', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let inside!: () => void;
        const entered = new Promise<void>((r) => (inside = r));
        const writing = s.write(async (tx) => {
          await tx.apply([op('create', 'document:b#viewer@user:tom'), op('delete', 'document:a#viewer@user:tom')]);
          expect(texts(await tx.query({ resourceType: 'document' }))).toEqual(['document:b#viewer@user:tom']);
          inside();
          await gate;
        });
        await entered;
        expect(await s.headRevision()).toBe(2);
        expect(await s.optimizedRevision()).toBe(2);
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom']);
        expect(await s.changesSince(2)).toEqual([]);
        release();
        expect((await writing).revision).toBe(3);
        expect(await readAll(s)).toEqual(['document:b#viewer@user:tom']);
      });

      test('the unique id is stable and non-empty', async () => {
        const s = await fresh();
        expect(s.uniqueId.length).toBeGreaterThanOrEqual(8);
        await create(s, 'document:a#viewer@user:tom');
        expect(s.uniqueId).toBe(s.uniqueId.trim());
        const other = await fresh();
        expect(other.uniqueId).not.toBe(s.uniqueId);
      });
    });

    category('writes', () => {
      test('CREATE of an existing relationship fails the whole transaction, whatever its caveat', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom[only_on_tuesday]');
        const err = await expectError(
          s.write((tx) => tx.apply([op('create', 'document:b#viewer@user:tom'), op('create', 'document:a#viewer@user:tom')])),
          RelationshipAlreadyExistsError,
          'could not CREATE relationship `document:a#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
        );
        expect(err.relationship).toBe('document:a#viewer@user:tom');
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom[only_on_tuesday]']);
        expect(await s.headRevision()).toBe(2);
      });

      test('subject relations are part of the identity; caveat and expiration are not', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@group:eng#member', 'document:a#viewer@group:eng');
        await expectError(
          s.write((tx) => tx.apply([op('create', 'document:a#viewer@group:eng#member[c1:{"x":1}][expiration:2999-01-01T00:00:00Z]')])),
          RelationshipAlreadyExistsError,
          'could not CREATE relationship `document:a#viewer@group:eng#member`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
        );
        expect(await readAll(s)).toEqual(['document:a#viewer@group:eng', 'document:a#viewer@group:eng#member']);
      });

      test('TOUCH upserts and replaces caveat, context and expiration; an empty TOUCH clears them', async () => {
        const s = await fresh();
        await s.write((tx) => tx.apply([op('touch', 'document:a#viewer@user:tom')]));
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom']);
        await s.write((tx) =>
          tx.apply([op('touch', `document:a#viewer@user:tom[c1:{"n":{"deep":[1,"two",null,true]}}][expiration:${FUTURE}]`)]),
        );
        const got = await s.reader(await s.headRevision()).query({ resourceType: 'document' });
        expect(got).toEqual([rel(`document:a#viewer@user:tom[c1:{"n":{"deep":[1,"two",null,true]}}][expiration:${FUTURE}]`)]);
        expect(got[0]?.expiresAt?.getTime()).toBe(Date.parse(FUTURE));
        await s.write((tx) => tx.apply([op('touch', 'document:a#viewer@user:tom[c2]')]));
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom[c2]']);
        await s.write((tx) => tx.apply([op('touch', 'document:a#viewer@user:tom')]));
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom']);
      });

      test('expiration keeps millisecond precision', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom[expiration:2999-01-01T00:00:00.123Z]');
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom[expiration:2999-01-01T00:00:00.123Z]']);
      });

      test('DELETE removes regardless of caveat and is a no-op when absent', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom[c1:{"a":1}]', 'document:a#viewer@user:ann');
        const { revision } = await s.write((tx) =>
          tx.apply([op('delete', 'document:a#viewer@user:tom'), op('delete', 'document:zzz#viewer@user:nobody')]),
        );
        expect(revision).toBe(3);
        expect(await readAll(s)).toEqual(['document:a#viewer@user:ann']);
        await s.write((tx) => tx.apply([op('delete', 'document:a#viewer@user:tom')]));
        expect(await readAll(s)).toEqual(['document:a#viewer@user:ann']);
      });

      test('updates of one key inside one transaction apply in order', async () => {
        const s = await fresh();
        await s.write(async (tx) => {
          await tx.apply([op('create', 'document:a#viewer@user:tom')]);
          await tx.apply([op('touch', 'document:a#viewer@user:tom[c1]')]);
          await tx.apply([op('delete', 'document:a#viewer@user:tom'), op('create', 'document:a#viewer@user:tom[c2]')]);
          expect(texts(await tx.query({}))).toEqual(['document:a#viewer@user:tom[c2]']);
          await expectError(
            tx.apply([op('create', 'document:a#viewer@user:tom')]),
            RelationshipAlreadyExistsError,
            'could not CREATE relationship `document:a#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
          );
        });
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom[c2]']);
        await s.write(async (tx) => {
          await tx.apply([op('touch', 'document:b#viewer@user:tom')]);
          await tx.apply([op('delete', 'document:b#viewer@user:tom')]);
        });
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom[c2]']);
      });

      test('wildcard subjects are stored and read like any other subject', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:*', 'document:a#viewer@user:tom');
        expect(await readAll(s, { resourceType: 'document', subject: { type: 'user', ids: ['*'] } })).toEqual(['document:a#viewer@user:*']);
      });
    });

    category('preconditions', () => {
      test('MUST_MATCH fails when nothing matches and MUST_NOT_MATCH when something does; the write is not applied', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        const mustMatch = { operation: 'must_match' as const, filter: { resourceType: 'document', resourceIds: ['b'] } };
        const err = await expectError(
          s.write(async (tx) => {
            await tx.checkPreconditions([mustMatch]);
            await tx.apply([op('create', 'document:c#viewer@user:tom')]);
          }),
          PreconditionFailedError,
          'unable to satisfy write precondition `operation:OPERATION_MUST_MATCH filter:{resource_type:"document" optional_resource_id:"b"}`',
        );
        expect(err.operation).toBe('must_match');
        expect(err.filter).toEqual(mustMatch.filter);
        await expectError(
          s.write(async (tx) => {
            await tx.apply([op('create', 'document:c#viewer@user:tom')]);
            await tx.checkPreconditions([
              {
                operation: 'must_not_match',
                filter: { resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: ['tom'], relation: '...' } },
              },
            ]);
          }),
          PreconditionFailedError,
          'unable to satisfy write precondition `operation:OPERATION_MUST_NOT_MATCH filter:{resource_type:"document" optional_relation:"viewer" optional_subject_filter:{subject_type:"user" optional_subject_id:"tom" optional_relation:{}}}`',
        );
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom']);
        expect(await s.headRevision()).toBe(2);
      });

      test('satisfied preconditions let the write through and see the transaction’s own writes', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        await s.write(async (tx) => {
          await tx.checkPreconditions([
            { operation: 'must_match', filter: { resourceType: 'document', resourceIds: ['a'] } },
            { operation: 'must_not_match', filter: { resourceType: 'document', resourceIds: ['b'] } },
          ]);
          await tx.apply([op('create', 'document:b#viewer@user:tom')]);
          await tx.checkPreconditions([{ operation: 'must_match', filter: { resourceType: 'document', resourceIds: ['b'] } }]);
        });
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom', 'document:b#viewer@user:tom']);
      });

      test('expired relationships do not satisfy MUST_MATCH', async () => {
        const s = await fresh();
        await create(s, `document:a#viewer@user:tom[expiration:${PAST}]`);
        await expectError(
          s.write((tx) => tx.checkPreconditions([{ operation: 'must_match', filter: { resourceType: 'document' } }])),
          PreconditionFailedError,
          'unable to satisfy write precondition `operation:OPERATION_MUST_MATCH filter:{resource_type:"document"}`',
        );
      });

      test('an empty precondition filter is refused', async () => {
        const s = await fresh();
        await expectError(
          s.write((tx) => tx.checkPreconditions([{ operation: 'must_not_match', filter: {} }])),
          EmptyPreconditionError,
          'one of the specified preconditions is empty',
        );
      });
    });

    category('delete-by-filter', () => {
      const seed = async (s: Store) =>
        create(
          s,
          'document:a#viewer@user:tom',
          'document:b#viewer@user:tom',
          'document:c#viewer@user:ann',
          'document:c#editor@user:tom',
          'folder:x#viewer@user:tom',
        );

      test('without a limit deletes every match in one revision', async () => {
        const s = await fresh();
        await seed(s);
        const { result, revision } = await s.write((tx) =>
          tx.deleteByFilter({ resourceType: 'document', subject: { type: 'user', ids: ['tom'] } }),
        );
        expect(result).toEqual({ deleted: 3, complete: true });
        expect(await readAll(s)).toEqual(['document:c#viewer@user:ann', 'folder:x#viewer@user:tom']);
        expect(texts(await s.reader(revision - 1).query({ resourceType: 'document' }))).toHaveLength(4);
      });

      test('matching nothing is a complete deletion of zero', async () => {
        const s = await fresh();
        await seed(s);
        const { result } = await s.write((tx) => tx.deleteByFilter({ resourceType: 'nothing' }));
        expect(result).toEqual({ deleted: 0, complete: true });
      });

      test('with a limit and more matches, fails and deletes nothing', async () => {
        const s = await fresh();
        await seed(s);
        const err = await expectError(
          s.write((tx) => tx.deleteByFilter({ resourceType: 'document' }, { limit: 3 })),
          TooManyRelationshipsForDeleteError,
          'found more than 3 relationships to be deleted and partial deletion was not requested',
        );
        expect(err.limit).toBe(3);
        expect(await readAll(s)).toHaveLength(5);
      });

      test('with a limit at least the match count, deletes all', async () => {
        const s = await fresh();
        await seed(s);
        const { result } = await s.write((tx) => tx.deleteByFilter({ resourceType: 'document' }, { limit: 4 }));
        expect(result).toEqual({ deleted: 4, complete: true });
        expect(await readAll(s)).toEqual(['folder:x#viewer@user:tom']);
      });

      test('partial deletion removes up to the limit and reports whether more remain', async () => {
        const s = await fresh();
        await seed(s);
        const progress: { deleted: number; complete: boolean }[] = [];
        for (let i = 0; i < 5; i++) {
          const { result } = await s.write((tx) => tx.deleteByFilter({ resourceType: 'document' }, { limit: 3, allowPartial: true }));
          progress.push(result);
          if (result.complete) break;
        }
        expect(progress).toEqual([
          { deleted: 3, complete: false },
          { deleted: 1, complete: true },
        ]);
        expect(await readAll(s)).toEqual(['folder:x#viewer@user:tom']);
      });

      test('deletes rows the same transaction wrote, and by id prefix and subject relation', async () => {
        const s = await fresh();
        await create(s, 'document:pre1#viewer@group:g#member', 'document:pre2#viewer@group:g', 'document:other#viewer@group:g#member');
        await s.write(async (tx) => {
          await tx.apply([op('create', 'document:pre3#viewer@group:g#member')]);
          expect(
            await tx.deleteByFilter({ resourceType: 'document', resourceIdPrefix: 'pre', subject: { type: 'group', relation: 'member' } }),
          ).toEqual({
            deleted: 2,
            complete: true,
          });
        });
        expect(await readAll(s)).toEqual(['document:other#viewer@group:g#member', 'document:pre2#viewer@group:g']);
        await s.write(async (tx) => {
          await tx.apply([op('create', 'document:pre4#viewer@group:g')]);
          expect(await tx.deleteByFilter({ resourceType: 'document', subject: { type: 'group', relation: '...' } }, { limit: 5 })).toEqual({
            deleted: 2,
            complete: true,
          });
        });
        expect(await readAll(s)).toEqual(['document:other#viewer@group:g#member']);
      });
    });

    category('queries', () => {
      const data = [
        'document:a#editor@user:tom',
        'document:a#viewer@group:eng#member',
        'document:a#viewer@user:ann',
        'document:a#viewer@user:tom',
        'document:ab#viewer@user:bob',
        'document:b#viewer@group:eng',
        'document:b#viewer@user:*',
        'folder:a#viewer@user:tom',
        'folder:f#parent@document:a',
      ];
      const seeded = async () => {
        const s = await fresh();
        // Written in shuffled order so sorting is the store's doing.
        await create(s, ...[...data].reverse());
        return s;
      };

      test('every filter field narrows the result', async () => {
        const s = await seeded();
        expect(await readAll(s, {})).toEqual(data);
        expect(await readAll(s, { resourceType: 'folder' })).toEqual(['folder:a#viewer@user:tom', 'folder:f#parent@document:a']);
        expect(await readAll(s, { resourceType: 'document', resourceIds: ['b', 'ab'] })).toEqual([
          'document:ab#viewer@user:bob',
          'document:b#viewer@group:eng',
          'document:b#viewer@user:*',
        ]);
        expect(await readAll(s, { resourceType: 'document', resourceIdPrefix: 'a' })).toEqual(data.slice(0, 5));
        expect(await readAll(s, { resourceType: 'document', relation: 'editor' })).toEqual(['document:a#editor@user:tom']);
        expect(await readAll(s, { relation: 'viewer', subject: { type: 'user', ids: ['tom'] } })).toEqual([
          'document:a#viewer@user:tom',
          'folder:a#viewer@user:tom',
        ]);
        expect(await readAll(s, { subject: { type: 'group' } })).toEqual([
          'document:a#viewer@group:eng#member',
          'document:b#viewer@group:eng',
        ]);
        expect(await readAll(s, { subject: { type: 'group', relation: 'member' } })).toEqual(['document:a#viewer@group:eng#member']);
        expect(await readAll(s, { subject: { type: 'group', relation: '...' } })).toEqual(['document:b#viewer@group:eng']);
        expect(await readAll(s, { resourceType: 'document', resourceIds: [] })).toEqual([]);
        expect(await readAll(s, { subject: { type: 'user', ids: [] } })).toEqual([]);
        expect(await readAll(s, { resourceType: 'document', resourceIdPrefix: 'zz' })).toEqual([]);
        expect(await s.reader(await s.headRevision()).count({ resourceType: 'document', relation: 'viewer' })).toBe(6);
      });

      test('internal filters: caveat name (or none) and presence of an expiration', async () => {
        const s = await fresh();
        await create(
          s,
          'document:a#viewer@user:tom[c1]',
          'document:a#viewer@user:ann',
          `document:a#viewer@user:bob[c2:{"x":1}][expiration:${FUTURE}]`,
        );
        expect(await readAll(s, { resourceType: 'document', caveatName: 'c1' })).toEqual(['document:a#viewer@user:tom[c1]']);
        expect(await readAll(s, { resourceType: 'document', caveatName: null })).toEqual(['document:a#viewer@user:ann']);
        expect(await readAll(s, { resourceType: 'document', hasExpiration: true })).toEqual([
          `document:a#viewer@user:bob[c2:{"x":1}][expiration:${FUTURE}]`,
        ]);
        expect(await readAll(s, { resourceType: 'document', hasExpiration: false })).toEqual([
          'document:a#viewer@user:ann',
          'document:a#viewer@user:tom[c1]',
        ]);
      });

      test('subject order sorts by subject, then resource', async () => {
        const s = await seeded();
        expect(await readAll(s, {}, { order: 'subject' })).toEqual([
          'folder:f#parent@document:a',
          'document:b#viewer@group:eng',
          'document:a#viewer@group:eng#member',
          'document:b#viewer@user:*',
          'document:a#viewer@user:ann',
          'document:ab#viewer@user:bob',
          'document:a#editor@user:tom',
          'document:a#viewer@user:tom',
          'folder:a#viewer@user:tom',
        ]);
      });

      test('the reverse lookup shape: many subject ids for one resource type and relation', async () => {
        const s = await seeded();
        const filter = {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'user', ids: ['tom', 'bob', '*', 'nobody'], relation: '...' },
        };
        expect(await readAll(s, filter, { order: 'subject' })).toEqual([
          'document:b#viewer@user:*',
          'document:ab#viewer@user:bob',
          'document:a#viewer@user:tom',
        ]);
      });

      test('long id lists are answered exactly', async () => {
        const s = await fresh();
        const many = Array.from({ length: 300 }, (_, i) => `document:d${String(i).padStart(3, '0')}#viewer@user:u${i % 7}`);
        await create(s, ...many);
        const ids = Array.from({ length: 250 }, (_, i) => `d${String(i * 2).padStart(3, '0')}`);
        const got = await readAll(s, { resourceType: 'document', resourceIds: ids });
        expect(got).toEqual(many.filter((_, i) => i % 2 === 0 && i < 500));
        for (const n of [2, 3, 5, 17, 64, 65]) {
          const sub = ids.slice(0, n);
          expect(await readAll(s, { resourceType: 'document', resourceIds: sub })).toEqual(many.filter((_, i) => i % 2 === 0 && i < n * 2));
        }
        const subjects = Array.from({ length: 100 }, (_, i) => `u${i}`);
        expect(await readAll(s, { resourceType: 'document', subject: { type: 'user', ids: subjects } })).toHaveLength(300);
      });

      for (const order of ['resource', 'subject'] as const) {
        test(`paging with cursors in ${order} order returns every row once, in order`, async () => {
          const s = await seeded();
          const rev = await s.headRevision();
          const whole = texts(await s.reader(rev).query({}, { order }));
          for (const pageSize of [1, 2, 4, 100]) {
            const pages: string[] = [];
            let after: Relationship | undefined;
            for (let i = 0; i < 20; i++) {
              const page = await s.reader(rev).query({}, { order, limit: pageSize, ...(after ? { after } : {}) });
              pages.push(...texts(page));
              if (page.length < pageSize) break;
              after = page[page.length - 1];
            }
            expect(pages).toEqual(whole);
          }
        });
      }

      test('queryBatch answers each filter exactly as query does, in one call', async () => {
        const s = await seeded();
        await s.write((tx) => tx.apply([op('touch', 'document:b#editor@user:ann[expiration:2001-01-01T00:00:00Z]')]));
        const reader = s.reader(await s.headRevision());
        const many = Array.from({ length: 70 }, (_, i) => `x${i}`);
        const filters: RelationshipFilter[] = [
          { resourceType: 'document', resourceIds: ['a'], relation: 'viewer', subject: { type: 'user', ids: ['tom', '*'] } },
          { resourceType: 'document', resourceIds: ['a', 'b'], relation: 'viewer', subject: { type: 'group', relation: 'member' } },
          { resourceType: 'folder', resourceIds: ['f'], relation: 'parent' },
          { resourceType: 'document', resourceIds: ['nothing'], relation: 'viewer' },
          { resourceType: 'document', resourceIds: ['b', ...many], relation: 'viewer', subject: { type: 'user', ids: ['*', ...many] } },
          { resourceType: 'document', resourceIds: ['b'], relation: 'editor' },
          { resourceType: 'document', resourceIds: [], relation: 'viewer' },
          { resourceType: 'document', resourceIdPrefix: 'a', relation: 'viewer' },
          { relation: 'viewer', subject: { type: 'user', ids: ['tom'] } },
        ];
        const batch = await reader.queryBatch(filters);
        const single = await Promise.all(filters.map((f) => reader.query(f)));
        expect(batch.map(texts)).toEqual(single.map(texts));
        expect(texts(batch[0]!)).toEqual(['document:a#viewer@user:tom']);
        expect(texts(batch[4]!)).toEqual(['document:b#viewer@user:*']);
        expect(batch[5]).toEqual([]);
        // Every plain shape on its own and in pairs, so the batched statement's binding order is exercised.
        const plain = filters.filter((f) => !f.resourceIdPrefix);
        for (let i = 0; i < plain.length; i++)
          for (let j = 0; j < plain.length; j++) {
            const pair = await reader.queryBatch([plain[i]!, plain[j]!]);
            expect(pair.map(texts)).toEqual([texts(single[filters.indexOf(plain[i]!)]!), texts(single[filters.indexOf(plain[j]!)]!)]);
          }
        expect(await reader.queryBatch([])).toEqual([]);
      });

      test('reverseIds: live resource ids per subject, caveated rows in full, at the snapshot', async () => {
        const s = await fresh();
        const before = await create(
          s,
          'document:d2#viewer@user:tom',
          'document:d1#viewer@user:tom',
          'document:d3#viewer@user:ann',
          'document:d4#viewer@group:eng#member',
          'document:d5#editor@user:tom',
          'folder:d6#viewer@user:tom',
          'document:d7#viewer@user:bob',
          'document:d8#viewer@user:tom[cav]',
          `document:d9#viewer@user:tom[expiration:${PAST}]`,
          `document:d0#viewer@user:ann[expiration:${FUTURE}]`,
        );
        await s.write((tx) => tx.apply([op('delete', 'document:d2#viewer@user:tom'), op('create', 'document:e1#viewer@user:tom')]));
        const head = await s.headRevision();
        const read = (rev: number, ids: string[], relation?: string) =>
          s.reader(rev).reverseIds({
            resourceType: 'document',
            relation: 'viewer',
            subject: { type: 'user', ids, ...(relation !== undefined ? { relation } : {}) },
          });
        const plain = (r: Awaited<ReturnType<typeof read>>) => ({
          bySubject: Object.fromEntries([...r.bySubject].sort(([a], [b]) => (a < b ? -1 : 1))),
          caveated: texts(r.caveated),
        });
        expect(plain(await read(head, ['tom', 'ann', 'nobody'], '...'))).toEqual({
          bySubject: { ann: ['d0', 'd3'], tom: ['d1', 'd8', 'e1'] },
          caveated: ['document:d8#viewer@user:tom[cav]'],
        });
        expect(plain(await read(head, ['tom']))).toEqual({
          bySubject: { tom: ['d1', 'd8', 'e1'] },
          caveated: ['document:d8#viewer@user:tom[cav]'],
        });
        expect(plain(await read(head, ['ann'], '...'))).toEqual({ bySubject: { ann: ['d0', 'd3'] }, caveated: [] });
        // The snapshot before the delete and the create.
        expect(plain(await read(before, ['tom'], '...'))).toEqual({
          bySubject: { tom: ['d1', 'd2', 'd8'] },
          caveated: ['document:d8#viewer@user:tom[cav]'],
        });
        expect(plain(await read(head, ['tom'], 'member'))).toEqual({ bySubject: {}, caveated: [] });
        expect(plain(await read(head, []))).toEqual({ bySubject: {}, caveated: [] });
        const group = await s.reader(head).reverseIds({
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'group', ids: ['eng'], relation: 'member' },
        });
        expect(plain(group)).toEqual({ bySubject: { eng: ['d4'] }, caveated: [] });
        // Agrees with query on many subjects (long id lists take another path on some stores).
        const many = Array.from({ length: 100 }, (_, i) => `u${String(i).padStart(3, '0')}`);
        await s.write((tx) =>
          tx.bulkCreate(
            many.flatMap((u, i) => (i % 3 === 0 ? [] : [rel(`document:x${i}#viewer@user:${u}`), rel(`document:y${i}#viewer@user:${u}`)])),
          ),
        );
        const wide = await s
          .reader(await s.headRevision())
          .reverseIds({ resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: many } });
        const expected = new Map<string, string[]>();
        for (const r of await s
          .reader(await s.headRevision())
          .query({ resourceType: 'document', relation: 'viewer', subject: { type: 'user', ids: many } }))
          expected.set(r.subject.id, [...(expected.get(r.subject.id) ?? []), r.resource.id].sort());
        expect(wide.bySubject).toEqual(expected);
        expect(wide.bySubject.size).toBe(66);
      });

      test('a cursor is a position, not a row: it works after the row is deleted', async () => {
        const s = await seeded();
        await s.write((tx) => tx.apply([op('delete', 'document:ab#viewer@user:bob')]));
        const after = rel('document:ab#viewer@user:bob');
        expect(await readAll(s, { resourceType: 'document' }, { after, limit: 2 })).toEqual([
          'document:b#viewer@group:eng',
          'document:b#viewer@user:*',
        ]);
      });
    });

    category('expiration', () => {
      test('expired relationships are invisible at once; future ones are visible', async () => {
        const s = await fresh();
        await create(s, `document:a#viewer@user:tom[expiration:${PAST}]`, `document:a#viewer@user:ann[expiration:${FUTURE}]`);
        expect(await readAll(s)).toEqual([`document:a#viewer@user:ann[expiration:${FUTURE}]`]);
        expect(await s.reader(await s.headRevision()).count({ resourceType: 'document' })).toBe(1);
      });

      test('a relationship disappears when its expiration passes', async () => {
        const s = await fresh();
        // Wide enough that a slow write on a loaded CI machine still reads it before it expires.
        const soon = new Date(Date.now() + 3000);
        await s.write((tx) => tx.apply([{ operation: 'create', relationship: { ...rel('document:a#viewer@user:tom'), expiresAt: soon } }]));
        const rev = await s.headRevision();
        expect(await s.reader(rev).count({})).toBe(1);
        await sleep(Math.max(0, soon.getTime() - Date.now()) + 300);
        expect(await s.reader(rev).count({})).toBe(0);
      });

      test('CREATE over an expired but uncollected relationship fails; TOUCH revives it', async () => {
        const s = await fresh();
        await create(s, `document:a#viewer@user:tom[expiration:${PAST}]`);
        await expectError(
          s.write((tx) => tx.apply([op('create', 'document:a#viewer@user:tom')])),
          RelationshipAlreadyExistsError,
          'could not CREATE relationship `document:a#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
        );
        await s.write((tx) => tx.apply([op('touch', 'document:a#viewer@user:tom')]));
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom']);
      });

      test('GC removes relationships expired longer than the window ago; CREATE then succeeds', async () => {
        const s = await fresh({ gcWindowMs: 50 });
        await create(s, `document:a#viewer@user:tom[expiration:${PAST}]`, `document:b#viewer@user:tom[expiration:${FUTURE}]`);
        await sleep(100);
        const result = await s.gc();
        expect(result.expiredRemoved).toBe(1);
        await create(s, 'document:a#viewer@user:tom');
        expect(await readAll(s)).toEqual(['document:a#viewer@user:tom', `document:b#viewer@user:tom[expiration:${FUTURE}]`]);
      });
    });

    category('schema', () => {
      test('schemas are versioned by revision and hashed with sha256', async () => {
        const s = await fresh();
        expect(await s.reader(1).readSchema()).toBeUndefined();
        const v1 = 'definition user {}';
        const v2 = 'definition user {}\n\ndefinition document {\n\trelation viewer: user\n}';
        const { revision: r1 } = await s.write((tx) => tx.writeSchema(v1));
        await create(s, 'document:a#viewer@user:tom');
        const { revision: r3 } = await s.write(async (tx) => {
          await tx.writeSchema(v2);
          expect((await tx.readSchema())?.text).toBe(v2);
        });
        const sha = (t: string) => createHash('sha256').update(t).digest('hex');
        expect(await s.reader(r1).readSchema()).toEqual({ text: v1, hash: sha(v1), revision: r1 });
        expect(await s.reader(r1 + 1).readSchema()).toEqual({ text: v1, hash: sha(v1), revision: r1 });
        expect(await s.reader(r3).readSchema()).toEqual({ text: v2, hash: sha(v2), revision: r3 });
        expect(await s.reader(1).readSchema()).toBeUndefined();
      });

      test('writing the schema twice in one transaction keeps the last', async () => {
        const s = await fresh();
        const { revision } = await s.write(async (tx) => {
          await tx.writeSchema('definition a {}');
          await tx.writeSchema('definition b {}');
        });
        expect((await s.reader(revision).readSchema())?.text).toBe('definition b {}');
      });
    });

    category('change-feed', () => {
      test('change sets come in revision order with metadata, schema markers and net changes', async () => {
        const s = await fresh();
        await s.write((tx) => tx.apply([op('create', 'document:a#viewer@user:tom'), op('create', 'document:b#viewer@user:tom')]), {
          metadata: { who: 'ann', n: 1 },
        });
        await s.write((tx) => tx.writeSchema('definition user {}'));
        await s.write((tx) =>
          tx.apply([
            op('touch', 'document:a#viewer@user:tom[c1]'),
            op('delete', 'document:b#viewer@user:tom'),
            op('delete', 'document:none#viewer@user:x'),
          ]),
        );
        await s.write((tx) => tx.apply([op('touch', 'document:a#viewer@user:tom[c1]')]));
        const feed = await s.changesSince(1);
        expect(feed.map((c) => c.revision)).toEqual([2, 3, 4, 5]);
        expect(feed[0]).toEqual({
          revision: 2,
          schemaChanged: false,
          metadata: { who: 'ann', n: 1 },
          changes: [
            { operation: 'touch', relationship: rel('document:a#viewer@user:tom') },
            { operation: 'touch', relationship: rel('document:b#viewer@user:tom') },
          ],
        });
        expect(feed[1]).toEqual({ revision: 3, schemaChanged: true, changes: [] });
        expect(feed[2]).toEqual({
          revision: 4,
          schemaChanged: false,
          changes: [
            { operation: 'touch', relationship: rel('document:a#viewer@user:tom[c1]') },
            { operation: 'delete', relationship: rel('document:b#viewer@user:tom') },
          ],
        });
        // Touching with identical content changes nothing.
        expect(feed[3]).toEqual({ revision: 5, schemaChanged: false, changes: [] });
      });

      test('limit and resumption', async () => {
        const s = await fresh();
        for (let i = 0; i < 5; i++) await create(s, `document:d${i}#viewer@user:tom`);
        const first = await s.changesSince(0, 2);
        expect(first.map((c) => c.revision)).toEqual([1, 2]);
        const next = await s.changesSince(2, 2);
        expect(next.map((c) => c.revision)).toEqual([3, 4]);
        expect(next[1]?.changes).toEqual([{ operation: 'touch', relationship: rel('document:d2#viewer@user:tom') }]);
        expect(await s.changesSince(6)).toEqual([]);
      });

      test('rows created and removed inside one transaction never appear', async () => {
        const s = await fresh();
        await s.write(async (tx) => {
          await tx.apply([op('create', 'document:a#viewer@user:tom')]);
          await tx.apply([op('delete', 'document:a#viewer@user:tom')]);
          await tx.bulkCreate([rel('document:b#viewer@user:tom')]);
          await tx.deleteByFilter({ resourceType: 'document' });
        });
        expect(await s.changesSince(1)).toEqual([{ revision: 2, schemaChanged: false, changes: [] }]);
      });
    });

    category('gc', () => {
      test('revisions older than the window expire; GC removes dead versions and old transactions but keeps the head readable', async () => {
        const s = await fresh({ gcWindowMs: 40 });
        await create(s, 'document:a#viewer@user:tom', 'document:b#viewer@user:tom');
        await s.write((tx) => tx.apply([op('delete', 'document:a#viewer@user:tom'), op('touch', 'document:b#viewer@user:tom[c1]')]));
        const head = await s.headRevision();
        expect(head).toBe(3);
        await sleep(100);
        await expectError(s.checkRevision(2), InvalidRevisionError, 'invalid revision: revision has expired');
        await s.checkRevision(head);
        expect(await s.optimizedRevision()).toBe(head);
        const result = await s.gc();
        expect(result).toEqual({ relationshipsRemoved: 2, transactionsRemoved: 2, expiredRemoved: 0 });
        expect(await readAll(s)).toEqual(['document:b#viewer@user:tom[c1]']);
        expect(await s.headRevision()).toBe(head);
        const err = await expectError(s.checkRevision(1), InvalidRevisionError, 'invalid revision: revision has expired');
        expect(err.reason).toBe('expired');
        expect(await s.gc()).toEqual({ relationshipsRemoved: 0, transactionsRemoved: 0, expiredRemoved: 0 });
        expect(await create(s, 'document:c#viewer@user:tom')).toBe(head + 1);
        expect((await s.changesSince(head)).map((c) => c.revision)).toEqual([head + 1]);
        // The feed before the horizon is gone: asking for it is an error, not a silent gap.
        await expectError(s.changesSince(head - 1), InvalidRevisionError, 'invalid revision: revision has expired');
      });

      test('GC keeps the schema in effect at the oldest readable revision', async () => {
        const s = await fresh({ gcWindowMs: 40 });
        await s.write((tx) => tx.writeSchema('definition a {}'));
        await s.write((tx) => tx.writeSchema('definition b {}'));
        await create(s, 'document:a#viewer@user:tom');
        await sleep(100);
        await s.gc();
        expect((await s.reader(await s.headRevision()).readSchema())?.text).toBe('definition b {}');
      });

      test('within the window nothing readable is collected', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        await s.write((tx) => tx.apply([op('delete', 'document:a#viewer@user:tom')]));
        expect(await s.gc()).toEqual({ relationshipsRemoved: 0, transactionsRemoved: 0, expiredRemoved: 0 });
        expect(texts(await s.reader(2).query({}))).toEqual(['document:a#viewer@user:tom']);
        await s.checkRevision(1);
      });

      test('GC deletes in bounded batches until done', async () => {
        const s = await fresh({ gcWindowMs: 40 });
        const rels = Array.from({ length: 2100 }, (_, i) => rel(`document:d${i}#viewer@user:tom`));
        await s.write((tx) => tx.bulkCreate(rels));
        await s.write((tx) => tx.deleteByFilter({ resourceType: 'document' }));
        await sleep(100);
        expect((await s.gc()).relationshipsRemoved).toBe(2100);
        expect(await readAll(s)).toEqual([]);
      });
    });

    category('bulk-create', () => {
      test('imports many relationships in one revision', async () => {
        const s = await fresh();
        const rels = Array.from({ length: 1234 }, (_, i) =>
          rel(`document:d${i}#viewer@user:u${i % 10}${i % 3 === 0 ? '[c1:{"i":1}]' : ''}`),
        );
        const { result, revision } = await s.write((tx) => tx.bulkCreate(rels));
        expect(result).toBe(1234);
        expect(revision).toBe(2);
        const got = await s.reader(revision).query({ resourceType: 'document' });
        expect(got).toHaveLength(1234);
        expect(new Set(texts(got))).toEqual(new Set(texts(rels)));
      });

      test('an existing relationship or a duplicate in the batch fails the whole import', async () => {
        const s = await fresh();
        await create(s, 'document:x#viewer@user:tom');
        const rels = Array.from({ length: 700 }, (_, i) => rel(`document:d${i}#viewer@user:tom`));
        await expectError(
          s.write((tx) => tx.bulkCreate([...rels, rel('document:x#viewer@user:tom[c1]')])),
          RelationshipAlreadyExistsError,
          'could not CREATE relationship `document:x#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
        );
        await expectError(
          s.write((tx) => tx.bulkCreate([...rels, rel('document:d1#viewer@user:tom')])),
          RelationshipAlreadyExistsError,
          'could not CREATE relationship `document:d1#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
        );
        expect(await readAll(s)).toEqual(['document:x#viewer@user:tom']);
        expect(await s.headRevision()).toBe(2);
      });
      test('a duplicate across bulk calls of one transaction fails, on an empty store and after other writes', async () => {
        const s = await fresh();
        const message =
          'could not CREATE relationship `document:d1#viewer@user:tom`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition';
        await expectError(
          s.write(async (tx) => {
            await tx.bulkCreate([rel('document:d1#viewer@user:tom'), rel('document:d2#viewer@user:tom')]);
            await tx.bulkCreate([rel('document:d3#viewer@user:tom'), rel('document:d1#viewer@user:tom[c1]')]);
          }),
          RelationshipAlreadyExistsError,
          message,
        );
        await expectError(
          s.write(async (tx) => {
            await tx.bulkCreate([rel('document:d0#viewer@user:tom')]);
            await tx.apply([op('create', 'document:d1#viewer@user:tom')]);
            await tx.bulkCreate([rel('document:d1#viewer@user:tom')]);
          }),
          RelationshipAlreadyExistsError,
          message,
        );
        const { result } = await s.write(async (tx) => {
          await tx.bulkCreate([rel('document:d1#viewer@user:tom')]);
          await tx.apply([op('delete', 'document:d1#viewer@user:tom')]);
          return tx.bulkCreate([rel('document:d1#viewer@user:tom[c2]')]);
        });
        expect(result).toBe(1);
        expect(await readAll(s)).toEqual(['document:d1#viewer@user:tom[c2]']);
      });
    });

    category('concurrency', () => {
      test('parallel writers lose nothing and get distinct consecutive revisions', async () => {
        const s = await fresh();
        const n = 30;
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            s.write(async (tx) => {
              await tx.apply([op('create', `document:d${i}#viewer@user:tom`)]);
              await sleep(i % 3);
              await tx.apply([op('touch', `document:shared#viewer@user:u${i}`)]);
              return i;
            }),
          ),
        );
        expect(results.map((r) => r.result)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
        expect(await s.reader(await s.headRevision()).count({ resourceType: 'document' })).toBe(2 * n);
      });

      test('parallel read-modify-write increments are serialised', async () => {
        const s = await fresh();
        await create(s, 'counter:c#value@number:0');
        await Promise.all(
          Array.from({ length: 15 }, () =>
            s.write(async (tx) => {
              const [cur] = await tx.query({ resourceType: 'counter' });
              const v = Number(cur!.subject.id);
              await tx.apply([op('delete', `counter:c#value@number:${v}`), op('create', `counter:c#value@number:${v + 1}`)]);
            }),
          ),
        );
        expect(await readAll(s)).toEqual(['counter:c#value@number:15']);
      });
    });

    category('counters', () => {
      test('a counter is registered and unregistered by write transactions and read at a revision', async () => {
        const s = await fresh();
        const filter: RelationshipFilter = { resourceType: 'document', relation: 'viewer', subject: { type: 'user' } };
        const { revision: r1 } = await s.write((tx) => tx.registerCounter('viewers', filter));
        expect(await s.reader(r1).counterFilter('viewers')).toEqual(filter);
        expect(await s.reader(r1 - 1).counterFilter('viewers')).toBeUndefined();
        expect(await s.reader(r1).counterFilter('other')).toBeUndefined();
        await expectError(
          s.write((tx) => tx.registerCounter('viewers', { resourceType: 'folder' })),
          CounterAlreadyRegisteredError,
          'counter with name `viewers` already registered',
        );
        const { revision: r2 } = await s.write((tx) => tx.unregisterCounter('viewers'));
        expect(await s.reader(r2).counterFilter('viewers')).toBeUndefined();
        expect(await s.reader(r1).counterFilter('viewers')).toEqual(filter);
        await expectError(
          s.write((tx) => tx.unregisterCounter('viewers')),
          CounterNotRegisteredError,
          'counter with name `viewers` not found',
        );
        // The name is free again, with a new filter.
        const { revision: r3 } = await s.write((tx) => tx.registerCounter('viewers', { resourceType: 'folder', resourceIds: ['a'] }));
        expect(await s.reader(r3).counterFilter('viewers')).toEqual({ resourceType: 'folder', resourceIds: ['a'] });
      });

      test('a failed registration leaves nothing behind', async () => {
        const s = await fresh();
        await expect(
          s.write(async (tx) => {
            await tx.registerCounter('c', { resourceType: 'document' });
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(await s.reader(await s.headRevision()).counterFilter('c')).toBeUndefined();
      });
    });

    category('errors', () => {
      test('errors thrown by the transaction body pass through unchanged', async () => {
        const s = await fresh();
        class Custom extends Error {}
        const e = new Custom('mine');
        expect(await s.write(() => Promise.reject(e)).catch((x: unknown) => x)).toBe(e);
      });

      test('store errors are typed Trellis errors', async () => {
        const s = await fresh();
        await create(s, 'document:a#viewer@user:tom');
        const errors = await Promise.all([
          s.checkRevision(50).catch((x: unknown) => x),
          s.write((tx) => tx.apply([op('create', 'document:a#viewer@user:tom')])).catch((x: unknown) => x),
          s.write((tx) => tx.deleteByFilter({ resourceType: 'document' }, { limit: 0 })).catch((x: unknown) => x),
        ]);
        for (const e of errors) expect(e).toBeInstanceOf(TrellisError);
        expect(errors.map((e) => (e as TrellisError).kind)).toEqual([
          'invalid_revision',
          'relationship_already_exists',
          'too_many_relationships_for_delete',
        ]);
      });
    });
  });
}
