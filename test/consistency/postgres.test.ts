/**
 * SQLite == Postgres: every validation file gives the same answers to every operation on a
 * Postgres datastore as on the in-memory SQLite store, and is consistent there too.
 * Needs TRELLIS_TEST_POSTGRES_URL; skips visibly without it, unless CI=true (then it fails).
 */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { Trellis } from '../../src/api/embedded/index.js';
import { DEV_MAX_DEPTH, loadValidationFile, populateFromFiles } from '../../src/validationfile/index.js';
import { runConsistency } from './consistency.case.js';
import { allValidationFiles } from './files.js';
import { withScratchDatabase } from '../store/postgres-env.js';

const url = process.env['TRELLIS_TEST_POSTGRES_URL'];
const ci = process.env['CI'] === 'true';

async function run(path: string, datastore: string) {
  const { file, problems } = await loadValidationFile(path);
  expect(problems).toEqual([]);
  const trellis = await Trellis.open({ datastore, quantizationMs: 0, gcIntervalMs: 0, maxDepth: DEV_MAX_DEPTH });
  try {
    expect(await populateFromFiles(trellis, [file!])).toEqual([]);
    return await runConsistency(trellis, file!);
  } finally {
    await trellis.close();
  }
}

if (!url && !ci) {
  describe('consistency over validation files (Postgres)', () => {
    it('is skipped: set TRELLIS_TEST_POSTGRES_URL to run it', () => {
      console.warn('consistency suite (Postgres) skipped: TRELLIS_TEST_POSTGRES_URL is not set');
    });
  });
} else {
  describe('consistency over validation files (Postgres)', () => {
    it('has a Postgres URL (CI=true requires TRELLIS_TEST_POSTGRES_URL)', () => {
      expect(url, 'TRELLIS_TEST_POSTGRES_URL must be set when CI=true').toBeTruthy();
    });
    for (const path of allValidationFiles()) {
      it(`${basename(path)}: consistent on Postgres and equal to SQLite`, async () => {
        const onPostgres = await withScratchDatabase(url!, 'trellis_consistency', (u) => run(path, u));
        expect(onPostgres.failures).toEqual([]);
        const onSqlite = await run(path, 'memory');
        expect(onPostgres.fingerprint).toEqual(onSqlite.fingerprint);
      }, 120_000);
    }
  });
}
