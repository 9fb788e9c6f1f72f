/**
 * `trellis serve`: the SpiceDB-compatible gRPC server over one datastore (SQLite file by
 * default, `memory`, or Postgres), with preshared keys, TLS, Prometheus metrics and a decision log.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { destination, pino, type Logger } from 'pino';
import { Trellis } from '../../api/embedded/index.js';
import { isLoopback, ServerMetrics, singleTrellis, splitAddress, startServer, type RunningServer } from '../../api/grpc/index.js';

export const DEFAULT_DATASTORE = './trellis-data/trellis.db';
export const DEFAULT_GRPC_ADDR = '127.0.0.1:50051';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function makeLogger(level: string): Logger {
  // Logs go to stderr so command output on stdout stays clean.
  return pino({ level, base: { service: 'trellis' } }, destination(2));
}

/** Resolves when SIGTERM or SIGINT arrives (once), then runs `stop`. */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSignal = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop().then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function prepareDatastore(spec: string): string {
  if (spec !== 'memory' && !/^postgres(ql)?:\/\//.test(spec)) mkdirSync(dirname(spec), { recursive: true });
  return spec;
}

export async function startMetrics(
  addr: string | undefined,
  metrics: ServerMetrics,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (!addr) return undefined;
  const { host, port } = splitAddress(addr);
  const { port: bound, server } = await metrics.listen(host, port);
  logger.info({ address: `${host}:${bound}` }, 'metrics server listening');
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

interface ServeOptions {
  datastore: string;
  grpcAddr: string;
  grpcPresharedKey: string[];
  grpcTlsCertPath?: string;
  grpcTlsKeyPath?: string;
  metricsAddr?: string;
  logLevel: string;
  decisionLog?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the SpiceDB-compatible gRPC server (authzed.api.v1)')
    .option('--datastore <spec>', "'memory', a SQLite file path, or a postgres:// URL", DEFAULT_DATASTORE)
    .option('--grpc-addr <host:port>', 'address to serve gRPC on', DEFAULT_GRPC_ADDR)
    .option(
      '--grpc-preshared-key <key>',
      'preshared key clients must send as a bearer token (repeatable; or TRELLIS_GRPC_PRESHARED_KEY, comma-separated)',
      collect,
      [],
    )
    .option('--grpc-tls-cert-path <file>', 'TLS certificate (PEM) for the gRPC server')
    .option('--grpc-tls-key-path <file>', 'TLS private key (PEM) for the gRPC server')
    .option('--metrics-addr <host:port>', 'serve Prometheus metrics on this address (/metrics)')
    .option('--log-level <level>', 'trace, debug, info, warn, error or fatal', 'info')
    .option('--decision-log', 'log one line per permission check (subject, resource, permission, result, revision, duration)')
    .action(async (opts: ServeOptions) => {
      if (Boolean(opts.grpcTlsCertPath) !== Boolean(opts.grpcTlsKeyPath)) {
        throw new Error('--grpc-tls-cert-path and --grpc-tls-key-path must be given together');
      }
      const logger = makeLogger(opts.logLevel);
      // The environment keeps keys out of `ps` output; flags win when both are given.
      const keys =
        opts.grpcPresharedKey.length > 0
          ? opts.grpcPresharedKey
          : (process.env['TRELLIS_GRPC_PRESHARED_KEY'] ?? '')
              .split(',')
              .map((k) => k.trim())
              .filter((k) => k.length > 0);
      // Checked before opening the datastore, so a misconfiguration touches nothing.
      const { host } = splitAddress(opts.grpcAddr);
      if (keys.length === 0 && !isLoopback(host)) {
        throw new Error(`refusing to serve on non-loopback address ${opts.grpcAddr} without --grpc-preshared-key`);
      }
      const trellis = await Trellis.open({ datastore: prepareDatastore(opts.datastore) });
      const metrics = new ServerMetrics(() => [trellis.metrics()]);
      let server: RunningServer;
      try {
        server = await startServer({
          address: opts.grpcAddr,
          provider: singleTrellis(trellis),
          presharedKeys: keys,
          logger,
          metrics,
          decisionLog: Boolean(opts.decisionLog),
          ...(opts.grpcTlsCertPath && opts.grpcTlsKeyPath ? { tls: { certPath: opts.grpcTlsCertPath, keyPath: opts.grpcTlsKeyPath } } : {}),
        });
      } catch (e) {
        await trellis.close();
        throw e;
      }
      const stopMetrics = await startMetrics(opts.metricsAddr, metrics, logger);
      logger.info({ datastore: trellis.datastoreKind }, 'trellis serving');
      await untilSignal(async () => {
        logger.info('shutting down');
        await server.close();
        await stopMetrics?.();
      });
    });
}
