/**
 * Postgres test setup shared by the store's Postgres suites: reads
 * TRELLIS_TEST_POSTGRES_URL, creates one throwaway database per test file (random name)
 * and drops it afterwards. Without the variable the suites skip visibly, unless CI=true,
 * where a missing database is a failure.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import pg from 'pg';

export const POSTGRES_URL = process.env.TRELLIS_TEST_POSTGRES_URL;

export interface PgTestDatabase {
  /** URL of the throwaway database (valid inside tests). */
  url(): string;
  /** A fresh schema name inside it, for a store that needs an empty database. */
  schema(): string;
}

function withDatabase(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Registers the database lifecycle and calls `body` when Postgres is configured; otherwise
 * registers a visible skip (or, in CI, a failing test).
 */
export function describePostgres(title: string, body: (db: PgTestDatabase) => void): void {
  if (!POSTGRES_URL) {
    if (process.env.CI === 'true') {
      test(`${title}: TRELLIS_TEST_POSTGRES_URL must be set in CI`, () => {
        throw new Error('TRELLIS_TEST_POSTGRES_URL is not set; the Postgres store suites cannot run');
      });
    } else {
      console.warn(`[trellis] skipping ${title}: set TRELLIS_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it`);
      describe.skip(`${title} (skipped: TRELLIS_TEST_POSTGRES_URL is not set)`, () => body({ url: () => '', schema: () => '' }));
    }
    return;
  }
  const base = POSTGRES_URL;
  const name = `trellis_test_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });
  describe(title, () => body({ url: () => withDatabase(base, name), schema: () => `s${++schemas}_${randomBytes(3).toString('hex')}` }));
}

/**
 * Runs `fn` against a throwaway database created from `base` (a server URL) and dropped
 * afterwards, for suites that need a fresh database per case (e.g. per property run).
 */
export async function withScratchDatabase<T>(base: string, prefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      return await fn(withDatabase(base, name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
