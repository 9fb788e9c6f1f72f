import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Trellis } from '../../src/api/embedded/index.js';
import { DEV_MAX_DEPTH, loadValidationFile, populateFromFiles } from '../../src/validationfile/index.js';
import { runConsistency } from './consistency.case.js';
import { allValidationFiles } from './files.js';

async function consistencyOf(path: string, datastore: string, cache: boolean) {
  const { file, problems } = await loadValidationFile(path);
  expect(problems).toEqual([]);
  const trellis = await Trellis.open({ datastore, quantizationMs: 0, gcIntervalMs: 0, maxDepth: DEV_MAX_DEPTH, ...(cache ? {} : { cache: false }) });
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
