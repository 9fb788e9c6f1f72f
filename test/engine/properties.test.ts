/**
 * Properties over random schemas and data: check agrees with the naive reference evaluator,
 * cache on equals cache off, lookup resources (also paged through cursors) agrees with check,
 * lookup subjects (wildcards with exclusions included) agrees with check, and explain traces
 * agree with the answers they explain.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MaxDepthExceededError, type JsonObject, type SubjectRef } from '../../src/core/index.js';
import { createEngine, type Engine, type Permissionship } from '../../src/engine/index.js';
import { SqliteReader } from '../../src/store/sqlite/sqlite-reader.js';
import { ReferenceEvaluator, type RefValue } from '../reference/evaluator.js';
import { CONTEXTS, IDS, USERS, caseArb, type GeneratedCase } from './arbitraries.js';
import { collect, setup } from './harness.js';

const PERMS = ['member', 'viewer', 'banned', 'perm_a', 'perm_b'];
const RUNS = Number(process.env['TRELLIS_PROPERTY_RUNS'] ?? 30);
/** Enough for every finite derivation in these small universes; cyclic data fails fast. */
const DEPTH = { maxDepth: 16 };

type Answer = { permissionship: Permissionship; missing?: readonly string[] } | 'depth';

function fromRef(v: RefValue): Answer {
  if (v.kind === 'true') return { permissionship: 'has_permission' };
  if (v.kind === 'false') return { permissionship: 'no_permission' };
  return { permissionship: 'conditional_permission', missing: v.missing };
}

async function ask(
  engine: Engine,
  type: string,
  id: string,
  permission: string,
  subject: SubjectRef,
  context: JsonObject,
): Promise<Answer> {
  try {
    const r = await engine.check({ resource: { type, id }, permission, subject, context });
    return r.missingContext ? { permissionship: r.permissionship, missing: r.missingContext } : { permissionship: r.permissionship };
  } catch (e) {
    if (e instanceof MaxDepthExceededError) return 'depth';
    throw e;
  }
}

function subjectsOf(c: GeneratedCase): SubjectRef[] {
  return [
    ...USERS.map((id) => ({ type: 'user', id })),
    { type: 'user', id: 'stranger' },
    ...c.types.flatMap((t) => IDS.map((id) => ({ type: t, id, relation: 'member' }))),
  ];
}

describe('engine properties', () => {
  it('check agrees with the reference evaluator, with and without the cache, batched reads and recursive queries', async () => {
    // Counts the recursive queries whose answer the engine used, so the property cannot pass
    // by always falling back to the walk.
    const reach = SqliteReader.prototype.reach;
    let decided = 0;
    const spy = vi.spyOn(SqliteReader.prototype, 'reach').mockImplementation(async function (this: SqliteReader, batch, start, subject) {
      const results = await reach.call(this, batch, start, subject);
      results?.forEach((r, i) => {
        if (r.found !== 'caveated' && r.maxDepth < batch.parts[i]!.query.depthLimit) decided++;
      });
      return results;
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const h = await setup(c.schema, c.relationships, DEPTH);
        // The cached engine answers what it can with recursive queries (the SQLite default); the
        // uncached one only walks, batching each object's reads as it does on Postgres.
        const cold = await setup(c.schema, c.relationships, {
          ...DEPTH,
          cache: false,
          chunkSize: 2,
          batchObjectReads: true,
          recursiveQueries: false,
        });
        try {
          for (const context of CONTEXTS.slice(0, 2)) {
            const ref = new ReferenceEvaluator(h.schema, c.relationships, context);
            for (const type of c.types)
              for (const id of IDS)
                for (const p of PERMS)
                  for (const subject of subjectsOf(c)) {
                    const got = await ask(h.engine, type, id, p, subject, context);
                    const uncached = await ask(cold.engine, type, id, p, subject, context);
                    const where = `${type}:${id}#${p}@${subject.type}:${subject.id}${subject.relation ? `#${subject.relation}` : ''} ${JSON.stringify(context)}`;
                    expect([where, uncached]).toEqual([where, got]);
                    if (got === 'depth') continue;
                    expect([where, got]).toEqual([where, fromRef(ref.check({ type, id }, p, subject))]);
                  }
          }
        } finally {
          await h.close();
          await cold.close();
        }
      }),
      { numRuns: RUNS },
    );
    spy.mockRestore();
    expect(decided).toBeGreaterThan(RUNS);
  }, 300_000);

  it('lookup resources returns exactly the resources check allows, with the same permissionship, also page by page', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(...CONTEXTS), fc.integer({ min: 1, max: 2 }), async (c, context, pageSize) => {
        const h = await setup(c.schema, c.relationships, DEPTH);
        try {
          for (const type of c.types)
            for (const p of PERMS)
              for (const subject of subjectsOf(c)) {
                const expected: [string, Permissionship][] = [];
                let depth = false;
                for (const id of IDS) {
                  const a = await ask(h.engine, type, id, p, subject, context);
                  if (a === 'depth') depth = true;
                  else if (a.permissionship !== 'no_permission') expected.push([id, a.permissionship]);
                }
                const req = { resourceType: type, permission: p, subject, context };
                let all: [string, Permissionship][];
                try {
                  all = (await collect(h.engine.lookupResources(req))).map((r) => [r.resourceId, r.permissionship]);
                } catch (e) {
                  if (depth && e instanceof MaxDepthExceededError) continue;
                  throw e;
                }
                const where = `${type}#${p}@${subject.type}:${subject.id}`;
                if (depth) continue;
                expect([where, all]).toEqual([where, expected]);
                const paged: [string, Permissionship][] = [];
                let cursor: string | undefined;
                for (let page = 0; page < 10; page++) {
                  const results = await collect(h.engine.lookupResources({ ...req, limit: pageSize, ...(cursor ? { cursor } : {}) }));
                  paged.push(...results.map((r): [string, Permissionship] => [r.resourceId, r.permissionship]));
                  if (results.length < pageSize) break;
                  cursor = results[results.length - 1]?.afterResultCursor;
                }
                expect([where, paged]).toEqual([where, expected]);
              }
        } finally {
          await h.close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('lookup subjects agrees with check, wildcard exclusions included', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(...CONTEXTS), async (c, context) => {
        const h = await setup(c.schema, c.relationships, DEPTH);
        try {
          for (const type of c.types)
            for (const id of IDS)
              for (const p of PERMS) {
                let found;
                try {
                  found = await collect(h.engine.lookupSubjects({ resource: { type, id }, permission: p, subjectType: 'user', context }));
                } catch (e) {
                  if (e instanceof MaxDepthExceededError) continue;
                  throw e;
                }
                const concrete = new Map(found.filter((f) => f.subject.id !== '*').map((f) => [f.subject.id, f.subject.permissionship]));
                const wildcard = found.find((f) => f.subject.id === '*');
                for (const user of [...USERS, 'stranger']) {
                  const a = await ask(h.engine, type, id, p, { type: 'user', id: user }, context);
                  if (a === 'depth') continue;
                  const where = `${type}:${id}#${p}@user:${user} ${JSON.stringify(found)}`;
                  const c1 = concrete.get(user);
                  if (c1 !== undefined) {
                    expect([where, c1]).toEqual([where, a.permissionship]);
                    continue;
                  }
                  if (!wildcard) {
                    expect([where, 'no_permission']).toEqual([where, a.permissionship]);
                    continue;
                  }
                  const ex = wildcard.excluded.find((e) => e.id === user);
                  if (!ex) {
                    expect([where, wildcard.subject.permissionship]).toEqual([where, a.permissionship]);
                  } else if (ex.permissionship === 'has_permission' && wildcard.subject.permissionship === 'has_permission') {
                    expect([where, 'no_permission']).toEqual([where, a.permissionship]);
                  } else {
                    expect([where, a.permissionship === 'has_permission']).toEqual([where, false]);
                  }
                }
              }
        } finally {
          await h.close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('explain traces agree with the answer they explain', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(...CONTEXTS), async (c, context) => {
        const h = await setup(c.schema, c.relationships, DEPTH);
        // A second engine, so traced checks walk the graph instead of hitting the first one's cache.
        const tracer = createEngine({ store: h.store, ...DEPTH });
        try {
          for (const type of c.types)
            for (const id of IDS)
              for (const p of PERMS)
                for (const user of USERS) {
                  const req = { resource: { type, id }, permission: p, subject: { type: 'user', id: user }, context };
                  let plain;
                  try {
                    plain = await h.engine.check(req);
                  } catch (e) {
                    if (e instanceof MaxDepthExceededError) continue;
                    throw e;
                  }
                  const traced = await tracer.check({ ...req, trace: true });
                  const t = traced.trace;
                  const where = `${type}:${id}#${p}@user:${user}`;
                  expect([where, traced.permissionship, t?.result, t?.resource, t?.permission]).toEqual([
                    where,
                    plain.permissionship,
                    plain.permissionship,
                    { type, id },
                    p,
                  ]);
                  // A granted relation says which relationships granted it.
                  if (t && t.permissionType === 'relation' && t.result === 'has_permission' && !t.wasCached) {
                    expect([where, (t.relationships ?? []).length > 0]).toEqual([where, true]);
                  }
                }
        } finally {
          await h.close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
