import fc from 'fast-check';
import { test } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { describePostgres } from './postgres-env.js';
import { fakeClock, opsArb, realClock, runModel } from './store-model.js';

const GC_WINDOW_MS = 1000;

test('sqlite agrees with the in-memory model on random op sequences (fake clock)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 40 }), opsArb(fakeClock(), 40), async (start, ops) => {
      const clock = fakeClock(1_700_000_000_000 + start);
      const store = await SqliteStore.open({
        path: ':memory:',
        clock: clock.now,
        gcWindowMs: GC_WINDOW_MS,
        quantizationMs: 0,
        gcIntervalMs: 0,
      });
      try {
        await runModel(store, clock, GC_WINDOW_MS, ops);
      } finally {
        await store.close();
      }
    }),
    { numRuns: 200 },
  );
}, 120_000);

describePostgres('postgres model', (db) => {
  test('postgres agrees with the in-memory model on random op sequences', async () => {
    await fc.assert(
      fc.asyncProperty(opsArb(realClock, 25), async (ops) => {
        const store = await PostgresStore.open({
          url: db.url(),
          schema: db.schema(),
          quantizationMs: 0,
          gcIntervalMs: 0,
          maxConnections: 2,
        });
        try {
          await runModel(store, realClock, 24 * 3600 * 1000, ops);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
