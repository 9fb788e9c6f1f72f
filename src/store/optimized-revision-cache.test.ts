import { expect, test } from 'vitest';
import { OptimizedRevisionCache } from './optimized-revision-cache.js';

test('serves the revision until the window ends on the local clock, then recomputes', async () => {
  let local = 1_000;
  const cache = new OptimizedRevisionCache(() => local);
  let calls = 0;
  // The datastore clock runs 500 ms ahead of the local one; the window ends 300 ms after its "now".
  const compute = async () => ({ revision: ++calls * 10, nowMs: 1_500, windowEndMs: 1_800 });
  expect(await cache.get(compute)).toBe(10);
  local = 1_299;
  expect(await cache.get(compute)).toBe(10);
  local = 1_300;
  expect(await cache.get(compute)).toBe(20);
  cache.clear();
  expect(await cache.get(compute)).toBe(30);
  expect(calls).toBe(3);
});
