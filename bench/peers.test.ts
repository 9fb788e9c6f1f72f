import { afterAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { DOCS_SCHEMA, generateDocs } from './datasets/docs.js';
import { ORGS_SCHEMA } from './datasets/orgs.js';
import { DocsGraph } from './datasets/docs-graph.js';
import { answerAll, crossCheck } from './harness/cross-check.js';
import { createCasbinPeer } from './systems/casbin-peer.js';
import { createCedarPeer } from './systems/cedar-peer.js';
import { openSqliteBaselines } from './systems/sqlite-baselines.js';
import { openPostgresRecursive } from './systems/postgres-baselines.js';
import type { CheckSystem } from './systems/check-system.js';

const dataset = generateDocs({ relationships: 2000, seed: 5, questions: 120 });
const graph = new DocsGraph(dataset.relationships);
const oracle = dataset.questions.map((q) => graph.check(q));
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs dataset', () => {
  it('uses the example schemas verbatim (schema/docs.zed, schema/github.zed)', () => {
    expect(DOCS_SCHEMA).toBe(readFileSync(new URL('../schema/docs.zed', import.meta.url), 'utf8'));
    expect(ORGS_SCHEMA).toBe(readFileSync(new URL('../schema/github.zed', import.meta.url), 'utf8'));
  });

  it('is deterministic and exactly the requested size', () => {
    const again = generateDocs({ relationships: 2000, seed: 5, questions: 120 });
    expect(dataset.relationships).toHaveLength(2000);
    expect(again.relationships).toEqual(dataset.relationships);
    expect(again.questions).toEqual(dataset.questions);
  });

  it('asks a real mix of allowed and denied questions', () => {
    const allowed = oracle.filter(Boolean).length;
    expect(allowed).toBeGreaterThan(20);
    expect(allowed).toBeLessThan(100);
  });
});

async function expectAgreement(system: CheckSystem): Promise<void> {
  const answers = await answerAll(dataset.questions, (q) => system.check(q));
  const report = crossCheck('test', system.name, dataset.questions, oracle, answers);
  expect(report.examples).toEqual([]);
  expect(report.disagreements).toBe(0);
}

describe('peers answer the docs questions like the oracle', () => {
  it('casbin', async () => {
    await expectAgreement(await createCasbinPeer(dataset.relationships));
  });

  it('cedar-wasm', async () => {
    await expectAgreement(await createCedarPeer(dataset.relationships));
  });

  it('recursive SQL on SQLite, and the point-query floor finds direct rows', async () => {
    const sqlite = openSqliteBaselines(path.join(dir, 'hand.db'), dataset.relationships);
    try {
      await expectAgreement(sqlite.recursive);
      const direct = dataset.relationships.find((r) => r.resource.type === 'document' && r.relation === 'owner');
      expect(direct).toBeDefined();
      if (!direct) return;
      const q = { resource: direct.resource, permission: 'view', subject: direct.subject };
      expect(sqlite.pointQuery(q, 'owner')).toBe(true);
      expect(sqlite.pointQuery(q, 'viewer')).toBe(
        dataset.relationships.some(
          (r) =>
            r.resource.id === direct.resource.id &&
            r.relation === 'viewer' &&
            r.subject.id === direct.subject.id &&
            r.subject.type === 'user',
        ),
      );
    } finally {
      await sqlite.close();
    }
  });

  const pgUrl = process.env['TRELLIS_TEST_POSTGRES_URL'];
  if (!pgUrl && process.env['CI'] !== 'true') {
    it('recursive SQL on Postgres (skipped: TRELLIS_TEST_POSTGRES_URL is unset)', () => {
      console.warn('bench peers: TRELLIS_TEST_POSTGRES_URL unset, Postgres recursive SQL not tested');
    });
  } else {
    it('recursive SQL on Postgres', async () => {
      if (!pgUrl) throw new Error('CI=true requires TRELLIS_TEST_POSTGRES_URL');
      const system = await openPostgresRecursive(pgUrl, dataset.relationships);
      try {
        await expectAgreement(system);
      } finally {
        await system.close();
      }
    });
  }
});

describe('cross-check', () => {
  it('catches a system that gets one answer wrong, and names the question', async () => {
    const liar: CheckSystem = {
      name: 'liar',
      check: (q) => (q === dataset.questions[3] ? !graph.check(q) : graph.check(q)),
      close: async () => {},
    };
    const answers = await answerAll(dataset.questions, (q) => liar.check(q));
    const report = crossCheck('test', 'liar', dataset.questions, oracle, answers);
    const q = dataset.questions[3];
    expect(report.disagreements).toBe(1);
    expect(report.examples).toEqual([
      `document:${q?.resource.id}#${q?.permission}@user:${q?.subject.id}: reference ${String(oracle[3])}, liar ${String(!oracle[3])}`,
    ]);
  });

  it('refuses answer lists of the wrong length', () => {
    expect(() => crossCheck('test', 'short', dataset.questions, oracle, oracle.slice(1))).toThrow(
      new RangeError(`short: 119 answers and 120 reference answers for 120 questions`),
    );
  });
});
