import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DispatchCache, type CacheEntry, type ProblemKey } from './dispatch-cache.js';
import { MEMBER } from './outcome.js';

const key = (over: Partial<ProblemKey> = {}): ProblemKey => ({
  revision: 1,
  resourceType: 'document',
  relation: 'view',
  subject: { type: 'user', id: 'alice' },
  ...over,
});
const entry = (depthRequired = 1): CacheEntry => ({ outcome: MEMBER, depthRequired });

describe('DispatchCache', () => {
  it('keeps every part of the key apart', () => {
    const c = new DispatchCache(100);
    c.set(key(), 'd1', entry(1));
    expect(c.get(key(), 'd1')).toEqual(entry(1));
    expect(c.get(key(), 'd2')).toBeUndefined();
    expect(c.get(key({ revision: 2 }), 'd1')).toBeUndefined();
    expect(c.get(key({ resourceType: 'folder' }), 'd1')).toBeUndefined();
    expect(c.get(key({ relation: 'edit' }), 'd1')).toBeUndefined();
    expect(c.get(key({ subject: { type: 'group', id: 'alice' } }), 'd1')).toBeUndefined();
    expect(c.get(key({ subject: { type: 'user', id: 'bob' } }), 'd1')).toBeUndefined();
    expect(c.get(key({ subject: { type: 'user', id: 'alice', relation: 'member' } }), 'd1')).toBeUndefined();
  });

  it('never holds more than its budget, and keeps what is in use', () => {
    const c = new DispatchCache(10);
    c.set(key(), 'hot', entry());
    for (let i = 0; i < 100; i++) {
      c.set(key(), `cold-${i}`, entry());
      expect(c.get(key(), 'hot')).toBeDefined();
      expect(c.size).toBeLessThanOrEqual(10);
    }
    // Cold entries age out within two generations.
    expect(c.get(key(), 'cold-0')).toBeUndefined();
    expect(c.get(key(), 'cold-99')).toBeDefined();
  });

  it('clear drops everything', () => {
    const c = new DispatchCache(10);
    c.set(key(), 'a', entry());
    c.clear();
    expect(c.get(key(), 'a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('answers only the value last written for an id, within its budget (property)', () => {
    const op = fc.record({ id: fc.integer({ min: 0, max: 30 }), write: fc.boolean(), depth: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.array(op, { maxLength: 200 }), (budget, ops) => {
        const c = new DispatchCache(budget);
        const model = new Map<string, CacheEntry>();
        for (const o of ops) {
          const id = `r${o.id}`;
          if (o.write) {
            const e = entry(o.depth);
            c.set(key(), id, e);
            model.set(id, e);
          } else {
            const got = c.get(key(), id);
            // Whatever it answers is what was last written for that id (never a stale or foreign value).
            if (got !== undefined) expect(got).toBe(model.get(id));
          }
          expect(c.size).toBeLessThanOrEqual(budget);
        }
        // The last id written is always found.
        const lastWrite = [...ops].reverse().find((o) => o.write);
        if (lastWrite) expect(c.get(key(), `r${lastWrite.id}`)).toBe(model.get(`r${lastWrite.id}`));
      }),
    );
  });
});
