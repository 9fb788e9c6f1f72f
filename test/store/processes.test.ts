/**
 * Real processes against one SQLite file: an acknowledged write survives kill -9, and two
 * processes writing the same file concurrently lose nothing and see each other's writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { bundleFixture, removeBundles, startChild } from './child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-proc-'));
let script: string;
beforeAll(async () => {
  script = await bundleFixture(join(import.meta.dirname, 'fixtures/writer-child.ts'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeBundles();
});

test('an acknowledged write survives kill -9', async () => {
  const path = join(dir, 'kill.db');
  const child = startChild(script, [path, 'k', '0']);
  const [, uniqueId] = (await child.waitFor(/^ready (\S+)$/)) as unknown as [string, string];
  const twenty = await child.waitFor(/^ack 20 (\d+)$/);
  child.process.kill('SIGKILL');
  await child.exited;
  const acks = child.lines.filter((l) => l.startsWith('ack ')).map((l) => l.split(' ').map(Number) as [number, number, number]);
  expect(acks.length).toBeGreaterThanOrEqual(21);
  expect(Number(twenty[1])).toBe(acks[20]![2]);
  const store = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
  try {
    expect(store.uniqueId).toBe(uniqueId);
    const head = await store.headRevision();
    const lastAck = acks[acks.length - 1]!;
    expect(head).toBeGreaterThanOrEqual(lastAck[2]);
    const ids = new Set((await store.reader(head).query({ resourceType: 'document' })).map((r) => r.resource.id));
    for (const [, i] of acks) expect(ids.has(`k${i}`)).toBe(true);
    // The reopened store keeps working where the killed one stopped.
    const { revision } = await store.write(async () => undefined);
    expect(revision).toBe(head + 1);
  } finally {
    await store.close();
  }
});

test('two processes write one SQLite file concurrently without losing a write', async () => {
  const path = join(dir, 'shared.db');
  const store = await openStore(path, { quantizationMs: 0, gcIntervalMs: 0 });
  const n = 40;
  try {
    const a = startChild(script, [path, 'a', String(n)]);
    const b = startChild(script, [path, 'b', String(n)]);
    const [readyA, readyB] = await Promise.all([a.waitFor(/^ready (\S+)$/), b.waitFor(/^ready (\S+)$/)]);
    expect(readyA[1]).toBe(store.uniqueId);
    expect(readyB[1]).toBe(store.uniqueId);
    const doneA = a.waitFor(/^done$/, 60_000);
    const doneB = b.waitFor(/^done$/, 60_000);
    const ours: number[] = [];
    for (let i = 0; i < n; i++) {
      const { revision } = await store.write((tx) =>
        tx.apply([
          {
            operation: 'create',
            relationship: { resource: { type: 'document', id: `p${i}` }, relation: 'viewer', subject: { type: 'user', id: 'p' } },
          },
        ]),
      );
      ours.push(revision);
    }
    await Promise.all([doneA, doneB]);
    const revisionsOf = (lines: string[]) => lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.split(' ')[2]));
    const all = [...ours, ...revisionsOf(a.lines), ...revisionsOf(b.lines)].sort((x, y) => x - y);
    // Every write got its own revision, and together they are exactly revisions 2..3n+1.
    expect(all).toEqual(Array.from({ length: 3 * n }, (_, i) => i + 2));
    const head = await store.headRevision();
    expect(head).toBe(3 * n + 1);
    expect(await store.reader(head).count({ resourceType: 'document' })).toBe(3 * n);
    // A child's acknowledged revision shows its write to this process, and the one before does not.
    const [rb] = revisionsOf(b.lines);
    expect((await store.reader(rb!).query({ resourceType: 'document', resourceIds: ['b0'] })).length).toBe(1);
    expect((await store.reader(rb! - 1).query({ resourceType: 'document', resourceIds: ['b0'] })).length).toBe(0);
  } finally {
    await store.close();
  }
}, 90_000);
