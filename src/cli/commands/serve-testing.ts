/**
 * `trellis serve-testing`: SpiceDB's testing mode. Every distinct bearer token (or none) gets its
 * own empty in-memory store, so test suites run in parallel without seeing each other's data.
 * A second, read-only server shares those stores (SpiceDB's :50052).
 */
import type { Command } from 'commander';
import { Trellis } from '../../api/embedded/index.js';
import { ServerMetrics, perTokenTrellis, startServer } from '../../api/grpc/index.js';
import { formatProblem, loadValidationFile, populateFromFiles, type ValidationFile } from '../../validationfile/index.js';
import { collect, makeLogger, startMetrics, untilSignal } from './serve.js';

/** Parses `--load-configs` files once at startup, so a bad file stops the server before it serves. */
async function loadConfigs(paths: readonly string[]): Promise<ValidationFile[]> {
  const files: ValidationFile[] = [];
  for (const path of paths) {
    const { file, problems } = await loadValidationFile(path);
    if (problems.length > 0 || !file) throw new Error(problems.map(formatProblem).join('\n') || `cannot load ${path}`);
    files.push(file);
  }
  if (files.length > 0) {
    // Seed one throwaway store now: schema and relationship errors surface at startup, not per token.
    const probe = await Trellis.open({ datastore: 'memory', quantizationMs: 0 });
    try {
      const problems = await populateFromFiles(probe, files);
      if (problems.length > 0) throw new Error(problems.map(formatProblem).join('\n'));
    } finally {
      await probe.close();
    }
  }
  return files;
}

interface ServeTestingOptions {
  grpcAddr: string;
  readonlyGrpcAddr: string;
  metricsAddr?: string;
  logLevel: string;
  loadConfigs: string[];
}

export function registerServeTesting(program: Command): void {
  program
    .command('serve-testing')
    .description('run an in-memory test server: each bearer token gets its own isolated, empty store')
    .option('--grpc-addr <host:port>', 'address to serve gRPC on', '127.0.0.1:50051')
    .option('--readonly-grpc-addr <host:port>', "address of the read-only server ('' to disable)", '127.0.0.1:50052')
    .option('--metrics-addr <host:port>', 'serve Prometheus metrics on this address (/metrics)')
    .option('--log-level <level>', 'trace, debug, info, warn, error or fatal', 'info')
    .option('--load-configs <file>', 'validation YAML whose schema and relationships seed every new store (repeatable)', collect, [])
    .action(async (opts: ServeTestingOptions) => {
      const logger = makeLogger(opts.logLevel);
      const seeds = await loadConfigs(opts.loadConfigs);
      const provider = perTokenTrellis(async () => {
        // SpiceDB's testing stores: quantization 10 ms, GC window 1 h.
        const trellis = await Trellis.open({ datastore: 'memory', quantizationMs: 10, gcWindowMs: 3_600_000 });
        if (seeds.length > 0) {
          const problems = await populateFromFiles(trellis, seeds);
          if (problems.length > 0) {
            await trellis.close();
            throw new Error(problems.map(formatProblem).join('; '));
          }
        }
        return trellis;
      });
      const metrics = new ServerMetrics(() => provider.all().map((t) => t.metrics()));
      const server = await startServer({ address: opts.grpcAddr, provider, logger, metrics });
      const readonly = opts.readonlyGrpcAddr
        ? await startServer({ address: opts.readonlyGrpcAddr, provider, logger, metrics, readOnly: true })
        : undefined;
      const stopMetrics = await startMetrics(opts.metricsAddr, metrics, logger);
      await untilSignal(async () => {
        logger.info('shutting down');
        await Promise.all([server.close(), readonly?.close()]);
        await stopMetrics?.();
      });
    });
}
