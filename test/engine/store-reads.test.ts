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
function counting(store: Store): { store: Store; calls: () => { query: number; batch: number; parts: number } } {
  let query = 0;
  let batch = 0;
  let parts = 0;
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
    });
  const counted = Object.assign(Object.create(store) as Store, { reader: (rev: number) => wrap(store.reader(rev)) });
  return { store: counted, calls: () => ({ query, batch, parts }) };
}

describe('store reads of a cold check', () => {
  it('reads each object of the walk in one statement', async () => {
    const h = await setup(SCHEMA, DATA);
    try {
      const { store, calls } = counting(h.store);
      const engine = createEngine({ store, cache: false, batchObjectReads: true });
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
      const engine = createEngine({ store, cache: false });
      const r = await engine.check({ resource: { type: 'document', id: 'd' }, permission: 'view', subject: { type: 'user', id: 'olive' } });
      expect(r.permissionship).toBe('has_permission');
      // viewer (user), viewer (group#member), owner: found; banned: not banned.
      expect(calls()).toEqual({ query: 4, batch: 0, parts: 0 });
    } finally {
      await h.close();
    }
  });

  it('answers the same batched and not: denied, banned, wildcard', async () => {
    const h = await setup(SCHEMA, `${DATA}\ndocument:d#banned@user:ann\nfolder:f2#viewer@user:*`);
    try {
      for (const batchObjectReads of [false, true]) {
        const engine = createEngine({ store: h.store, cache: false, batchObjectReads });
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
