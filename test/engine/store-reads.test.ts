/**
 * How many round trips a cold check makes. Batching (the Postgres default) fetches every
 * relation a check reads on one object in one statement, so the count grows with the depth of
 * the walk, not with the number of relations a permission mentions; without it (SQLite) the
 * walk reads relation by relation and stops as soon as the answer is known.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { Store, StoreReader } from '../../src/store/index.js';
import { setup } from './harness.js';

/** The example docs schema, as the benchmarks use it. */
const SCHEMA = readFileSync(new URL('../../schema/docs.zed', import.meta.url), 'utf8');

const DATA = `
document:d#parent@folder:f1
document:d#owner@user:olive
folder:f1#parent@folder:f2
folder:f2#parent@folder:f3
folder:f3#viewer@group:eng#member
group:eng#member@user:ann
`;

/** Counts the reader calls (each one statement, one round trip on Postgres). */
function counting(store: Store): { store: Store; calls: () => { query: number; batch: number; parts: number; reach?: number } } {
  let query = 0;
  let batch = 0;
  let parts = 0;
  let reach = 0;
  const wrap = (r: StoreReader): StoreReader =>
    Object.assign(Object.create(r) as StoreReader, {
      query: (...args: Parameters<StoreReader['query']>) => {
        query++;
        return r.query(...args);
      },
      queryBatch: (filters: Parameters<StoreReader['queryBatch']>[0]) => {
        batch++;
        parts += filters.length;
        return r.queryBatch(filters);
      },
      ...(r.reach
        ? {
            reach: (...args: Parameters<NonNullable<StoreReader['reach']>>) => {
              reach++;
              return r.reach?.(...args);
            },
          }
        : {}),
    });
  const counted = Object.assign(Object.create(store) as Store, { reader: (rev: number) => wrap(store.reader(rev)) });
  return { store: counted, calls: () => (reach > 0 ? { query, batch, parts, reach } : { query, batch, parts }) };
}

describe('store reads of a cold check', () => {
  it('reads each object of the walk in one statement', async () => {
    const h = await setup(SCHEMA, DATA);
    try {
      const { store, calls } = counting(h.store);
      const engine = createEngine({ store, cache: false, batchObjectReads: true, recursiveQueries: false });
      const r = await engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: 'ann' } });
      expect(r.permissionship).toBe('has_permission');
      // document d (7 reads), folders f1, f2, f3 (6 each), group eng (2): one statement per object.
      expect(calls()).toEqual({ query: 0, batch: 5, parts: 7 + 3 * 6 + 2 });
    } finally {
      await h.close();
    }
  });

  it('reads relation by relation, only what the walk needs, when not batching (the SQLite default)', async () => {
    const h = await setup(SCHEMA, DATA);
    try {
      const { store, calls } = counting(h.store);
      const engine = createEngine({ store, cache: false, recursiveQueries: false });
      const r = await engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: 'olive' } });
      expect(r.permissionship).toBe('has_permission');
      // viewer (user), viewer (group#member), owner: found; banned: not banned.
      expect(calls()).toEqual({ query: 4, batch: 0, parts: 0 });
    } finally {
      await h.close();
    }
  });

  it('answers a check with recursive queries in one statement (the default on SQLite)', async () => {
    const h = await setup(SCHEMA, `${DATA}\ndocument:d#banned@user:bob\ngroup:eng#member@user:bob`);
    try {
      const { store, calls } = counting(h.store);
      const engine = createEngine({ store, cache: false });
      const ask = async (permission: string, id: string) =>
        (await engine.check({ resource: { type: 'document', id: 'd' }, permission, subject: { type: 'user', id } })).permissionship;
      // view = (viewer + edit + parent->view) - banned: the union and banned, one statement.
      expect(await ask('view', 'ann')).toBe('has_permission');
      expect(calls()).toEqual({ query: 0, batch: 0, parts: 0, reach: 1 });
      expect(await ask('view', 'bob')).toBe('no_permission');
      expect(calls()).toEqual({ query: 0, batch: 0, parts: 0, reach: 2 });
      expect(await ask('view', 'carl')).toBe('no_permission');
      expect(calls()).toEqual({ query: 0, batch: 0, parts: 0, reach: 3 });
      // edit is union-only all the way down.
      expect(await ask('edit', 'olive')).toBe('has_permission');
      expect(calls()).toEqual({ query: 0, batch: 0, parts: 0, reach: 4 });
    } finally {
      await h.close();
    }
  });

  it('answers the same batched and not: denied, banned, wildcard', async () => {
    const h = await setup(SCHEMA, `${DATA}\ndocument:d#banned@user:ann\nfolder:f2#viewer@user:*`);
    try {
      for (const batchObjectReads of [false, true]) {
        const engine = createEngine({ store: h.store, cache: false, batchObjectReads, recursiveQueries: false });
        const ask = (id: string) =>
          engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id } });
        expect((await ask('ann')).permissionship).toBe('no_permission');
        expect((await ask('zed')).permissionship).toBe('has_permission');
        expect((await ask('olive')).permissionship).toBe('has_permission');
      }
    } finally {
      await h.close();
    }
  });
});
