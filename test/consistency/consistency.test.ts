import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Trellis } from '../../src/api/embedded/index.js';
import type { LookupResourcesRequest, LookupSubjectsRequest } from '../../src/engine/index.js';
import { DEV_MAX_DEPTH, loadValidationFile, populateFromFiles } from '../../src/validationfile/index.js';
import { runConsistency } from './consistency.case.js';
import { allValidationFiles } from './files.js';

async function consistencyOf(path: string, datastore: string, cache: boolean) {
  const { file, problems } = await loadValidationFile(path);
  expect(problems).toEqual([]);
  const trellis = await Trellis.open({
    datastore,
    quantizationMs: 0,
    gcIntervalMs: 0,
    maxDepth: DEV_MAX_DEPTH,
    ...(cache ? {} : { cache: false }),
  });
  try {
    expect(await populateFromFiles(trellis, [file!])).toEqual([]);
    return await runConsistency(trellis, file!);
  } finally {
    await trellis.close();
  }
}

describe('consistency over validation files (memory store)', () => {
  const files = allValidationFiles();
  it('covers the conformance set', () => {
    expect(files.length).toBeGreaterThanOrEqual(37);
  });
  for (const path of files) {
    it(`${basename(path)}: every operation agrees, with and without the cache`, async () => {
      const cached = await consistencyOf(path, 'memory', true);
      expect(cached.failures).toEqual([]);
      expect(cached.checks).toBeGreaterThan(0);
      const uncached = await consistencyOf(path, 'memory', false);
      expect(uncached.failures).toEqual([]);
      expect(uncached.fingerprint).toEqual(cached.fingerprint);
    });
  }
});

describe('consistency over validation files (SQLite file store)', () => {
  it('gives the same answers as the in-memory store for every file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trellis-consistency-'));
    try {
      for (const [i, path] of allValidationFiles().entries()) {
        const onFile = await consistencyOf(path, join(dir, `f${i}.db`), true);
        expect(onFile.failures, basename(path)).toEqual([]);
        const inMemory = await consistencyOf(path, 'memory', true);
        expect(onFile.fingerprint, basename(path)).toEqual(inMemory.fingerprint);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('the consistency suite itself', () => {
  it('catches an operation that disagrees with check', async () => {
    const path = allValidationFiles().find((p) => basename(p) === 'basicrbac.yaml')!;
    const { file } = await loadValidationFile(path);
    const trellis = await Trellis.open({ datastore: 'memory', quantizationMs: 0, gcIntervalMs: 0 });
    try {
      expect(await populateFromFiles(trellis, [file!])).toEqual([]);
      // A lookup that silently drops its last result, and a lookup subjects that invents one.
      const lying = new Proxy(trellis, {
        get(target, prop, receiver) {
          if (prop === 'lookupResources') {
            return (req: LookupResourcesRequest) =>
              (async function* () {
                const all = [];
                for await (const r of target.lookupResources(req)) all.push(r);
                yield* all.slice(0, -1);
              })();
          }
          if (prop === 'lookupSubjects') {
            return (req: LookupSubjectsRequest) =>
              (async function* () {
                yield* target.lookupSubjects(req);
                yield { subject: { id: 'intruder', permissionship: 'has_permission' as const }, excluded: [], lookedUpAt: '' };
              })();
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const report = await runConsistency(lying, file!);
      expect(report.failures.some((f) => f.startsWith('lookup resources '))).toBe(true);
      expect(report.failures.some((f) => f.startsWith('assertion ') && f.includes('lookup resources'))).toBe(true);
      expect(report.failures.some((f) => f.includes('user:intruder') && f.includes('check gives no_permission'))).toBe(true);
      expect(report.failures.some((f) => f.endsWith('subjects, which the schema cannot reach'))).toBe(true);
    } finally {
      await trellis.close();
    }
  });
});
