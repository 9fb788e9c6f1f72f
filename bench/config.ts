/**
 * Quick and full profiles. Quick (the default) keeps `npm run bench` under about three minutes on
 * a loaded 2-core machine: every loop has a time budget, and the big sizes wait for --full.
 */
import os from 'node:os';
import path from 'node:path';
import type { StressOptions } from './datasets/stress.js';

export interface BenchConfig {
  readonly mode: 'quick' | 'full';
  /** A section running longer than this is abandoned and reported (see Recorder.section). */
  readonly sectionTimeoutMs: number;
  /** Time budget of one timed loop, ms. */
  readonly budgetMs: number;
  /** Warm-up operations before each timed loop. */
  readonly warmup: number;
  /** Upper bound on timed operations per loop. */
  readonly maxIterations: number;
  readonly docsSizes: readonly number[];
  /** Docs sizes at which casbin and cedar are set up and measured (their setup is slow). */
  readonly peerSizes: readonly number[];
  readonly orgsSizes: readonly number[];
  readonly questions: number;
  readonly stress: StressOptions;
  readonly grpcConcurrency: readonly number[];
  readonly grpcBudgetMs: number;
  /** Docs size the gRPC server holds. */
  readonly grpcDatasetSize: number;
  readonly postgresUrl?: string;
  readonly workDir: string;
  readonly resultsDir: string;
  /** Sections to run (all when empty). */
  readonly only: readonly string[];
}

export const SECTIONS = ['docs', 'orgs', 'stress', 'grpc', 'store'] as const;

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const full = argv.includes('--full');
  const huge = argv.includes('--10m');
  const only = argv.flatMap((a, i) =>
    a === '--only' ? (argv[i + 1] ?? '').split(',') : a.startsWith('--only=') ? a.slice(7).split(',') : [],
  );
  for (const s of only)
    if (!(SECTIONS as readonly string[]).includes(s)) throw new RangeError(`unknown section ${s}; known: ${SECTIONS.join(', ')}`);
  const sizesArg = argv.flatMap((a, i) => (a === '--sizes' ? [argv[i + 1] ?? ''] : a.startsWith('--sizes=') ? [a.slice(8)] : []))[0];
  const sizes = sizesArg === undefined ? undefined : sizesArg.split(',').map(parseSize);
  const outArg = argv.flatMap((a, i) => (a === '--out' ? [argv[i + 1] ?? ''] : a.startsWith('--out=') ? [a.slice(6)] : []))[0];
  const pg = env['TRELLIS_TEST_POSTGRES_URL'];
  return {
    mode: full ? 'full' : 'quick',
    budgetMs: full ? 3000 : 800,
    sectionTimeoutMs: full ? 30 * 60_000 : 100_000,
    warmup: full ? 200 : 50,
    maxIterations: full ? 200_000 : 50_000,
    docsSizes: sizes ?? (full ? [10_000, 100_000, 1_000_000, ...(huge ? [10_000_000] : [])] : [10_000, 100_000]),
    peerSizes: full ? [10_000, 100_000] : [10_000],
    orgsSizes: full ? [100_000, 1_000_000] : [100_000],
    questions: 500,
    stress: {
      chainDepths: full ? [1, 2, 4, 8, 12, 16, 24, 32] : [1, 4, 16, 32],
      bigGroupMembers: 100_000,
      wideFolders: [10, 1000, 10_000, 100_000],
    },
    grpcConcurrency: [1, 8, 64],
    grpcBudgetMs: full ? 5000 : 2000,
    grpcDatasetSize: 10_000,
    ...(pg ? { postgresUrl: pg } : {}),
    workDir: path.join(os.tmpdir(), `trellis-bench-${process.pid}`),
    resultsDir: outArg ? path.resolve(outArg) : path.resolve(process.cwd(), 'bench', 'results'),
    only,
  };
}

export function wants(config: BenchConfig, section: (typeof SECTIONS)[number]): boolean {
  return config.only.length === 0 || config.only.includes(section);
}

/** `10000`, `10k`, `1M` -> a count. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new RangeError(`not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase();
  return Math.round(Number(m[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}
