/**
 * The store's own benchmark (bench/store, owned by the store's author), run in the same process
 * so its figures land in the same results file. Loaded by path at run time: the suite still runs
 * when that module is absent, and says so.
 */
import type { BenchConfig } from '../config.js';
import type { Recorder } from '../harness/recorder.js';

type StoreBench = (options: Record<string, unknown>) => Promise<unknown>;

export async function runStore(rec: Recorder, cfg: BenchConfig): Promise<unknown> {
  const specifier = './store/store-bench.js';
  let mod: { runStoreBench?: StoreBench };
  try {
    // A variable specifier keeps the type-checker from requiring a module another helper writes.
    mod = (await import(new URL(`../${specifier}`, import.meta.url).href)) as { runStoreBench?: StoreBench };
  } catch (e) {
    rec.problem(`store bench not run: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (typeof mod.runStoreBench !== 'function') {
    rec.problem('store bench not run: bench/store/store-bench.js has no runStoreBench export');
    return undefined;
  }
  const result = await mod.runStoreBench({
    quick: cfg.mode === 'quick',
    full: cfg.mode === 'full',
    relationships: cfg.mode === 'full' ? 1_000_000 : 100_000,
    workDir: cfg.workDir,
    ...(cfg.postgresUrl ? { postgresUrl: cfg.postgresUrl } : {}),
  });
  rec.note(`  store bench: ${JSON.stringify(result).slice(0, 600)}`);
  return result;
}
