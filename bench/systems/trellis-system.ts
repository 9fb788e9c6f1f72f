/**
 * Trellis as the benchmark drives it: the embedded facade, opened on a datastore, loaded with a
 * dataset, and wrapped as a CheckSystem. Loaded lazily so the rest of the suite (floors, peers)
 * still runs, and says why, while the engine is unavailable.
 */
import type { Trellis, TrellisOptions } from '../../src/api/embedded/index.js';
import type { Consistency, EngineMetrics } from '../../src/engine/index.js';
import type { CheckQuestion, Dataset } from '../datasets/dataset.js';
import type { CheckSystem } from './check-system.js';

export type { Trellis };

export interface OpenOptions {
  readonly datastore: string;
  /** `false` disables the dispatch cache: every check goes to the store (a cold check). */
  readonly cache: boolean;
  /** `false`: every cache miss walks the graph instead of asking recursive queries. */
  readonly recursiveQueries?: boolean;
  readonly quantizationMs?: number;
}

export async function openTrellis(options: OpenOptions): Promise<Trellis> {
  const { Trellis: TrellisClass } = await import('../../src/api/embedded/index.js');
  const opts: TrellisOptions = {
    datastore: options.datastore,
    // The background GC would compete with the timed loops; the bench never needs it.
    gcIntervalMs: 0,
    ...(options.cache ? { cache: { maxEntries: 1_000_000 } } : { cache: false }),
    ...(options.quantizationMs !== undefined ? { quantizationMs: options.quantizationMs } : {}),
    ...(options.recursiveQueries !== undefined ? { recursiveQueries: options.recursiveQueries } : {}),
  };
  return TrellisClass.open(opts);
}

/** Writes the schema and imports the relationships in one import call; returns the count loaded. */
export async function loadDataset(trellis: Trellis, dataset: Dataset): Promise<number> {
  await trellis.writeSchema(dataset.schema);
  const result = await trellis.importRelationships(dataset.relationships);
  return result.loaded;
}

export function trellisCheckSystem(trellis: Trellis, name: string, consistency?: Consistency): CheckSystem {
  return {
    name,
    async check(q: CheckQuestion): Promise<boolean> {
      const result = await trellis.check({
        resource: q.resource,
        permission: q.permission,
        subject: q.subject,
        ...(consistency ? { consistency } : {}),
      });
      if (result.permissionship === 'conditional_permission')
        throw new Error('the bench datasets have no caveats, yet a check was conditional');
      return result.permissionship === 'has_permission';
    },
    close: () => trellis.close(),
  };
}

/** Cache hits / (hits + misses) between two metric snapshots; undefined when nothing was looked up. */
export function hitRatio(before: EngineMetrics, after: EngineMetrics): number | undefined {
  const hits = after.cacheHits - before.cacheHits;
  const misses = after.cacheMisses - before.cacheMisses;
  return hits + misses > 0 ? hits / (hits + misses) : undefined;
}
