/**
 * SQLite == Postgres for the engine: on random schemas and data, check, lookup resources and
 * lookup subjects give the same answers over a Postgres datastore as over in-memory SQLite.
 * Needs TRELLIS_TEST_POSTGRES_URL; skips visibly without it, unless CI=true (then it fails).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Relationship } from '../../src/core/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CONTEXTS, IDS, USERS, caseArb } from './arbitraries.js';
import { collect } from './harness.js';
import { withScratchDatabase } from '../store/postgres-env.js';

const url = process.env['TRELLIS_TEST_POSTGRES_URL'];
const ci = process.env['CI'] === 'true';
const RUNS = Number(process.env['TRELLIS_PROPERTY_RUNS'] ?? 10);
const PERMS = ['viewer', 'perm_a', 'perm_b'];

async function load(store: Store, schema: string, relationships: readonly Relationship[]): Promise<Engine> {
  await store.write(async (tx) => {
    await tx.writeSchema(schema);
    if (relationships.length > 0) await tx.apply(relationships.map((relationship) => ({ operation: 'touch' as const, relationship })));
  });
  return createEngine({ store, maxDepth: 16 });
}

/** Every answer the engine gives for the case, errors included, as one comparable list. */
async function fingerprint(engine: Engine, types: readonly string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  const attempt = async (f: () => Promise<unknown>) => {
    try {
      out.push(await f());
    } catch (e) {
      out.push((e as Error).name);
    }
  };
  const context = CONTEXTS[1] ?? {};
  for (const type of types)
    for (const p of PERMS) {
      for (const id of IDS) {
        for (const user of USERS) {
          await attempt(
            async () =>
              (await engine.check({ resource: { type, id }, permission: p, subject: { type: 'user', id: user }, context })).permissionship,
          );
        }
        await attempt(async () =>
          (await collect(engine.lookupSubjects({ resource: { type, id }, permission: p, subjectType: 'user', context }))).map((r) => [
            r.subject,
            r.excluded,
          ]),
        );
      }
      for (const user of USERS) {
        await attempt(async () =>
          (await collect(engine.lookupResources({ resourceType: type, permission: p, subject: { type: 'user', id: user }, context }))).map(
            (r) => [r.resourceId, r.permissionship],
          ),
        );
      }
    }
  return out;
}

if (!url && !ci) {
  describe('engine on Postgres', () => {
    it('is skipped: set TRELLIS_TEST_POSTGRES_URL to run it', () => {
      console.warn('engine SQLite == Postgres properties skipped: TRELLIS_TEST_POSTGRES_URL is not set');
    });
  });
} else {
  describe('engine on Postgres', () => {
    it('has a Postgres URL (CI=true requires TRELLIS_TEST_POSTGRES_URL)', () => {
      expect(url, 'TRELLIS_TEST_POSTGRES_URL must be set when CI=true').toBeTruthy();
    });
    it('answers exactly as on SQLite', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const sqlite = await openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 });
          try {
            const expected = await fingerprint(await load(sqlite, c.schema, c.relationships), c.types);
            const actual = await withScratchDatabase(url as string, 'trellis_engine', async (u) => {
              const store = await openStore(u, { quantizationMs: 0, gcIntervalMs: 0 });
              try {
                return await fingerprint(await load(store, c.schema, c.relationships), c.types);
              } finally {
                await store.close();
              }
            });
            expect(actual).toEqual(expected);
          } finally {
            await sqlite.close();
          }
        }),
        { numRuns: RUNS },
      );
    }, 600_000);
  });
}
