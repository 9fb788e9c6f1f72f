/**
 * Prometheus metrics for `serve --metrics-addr`: request counts and latency per RPC and status,
 * and the engine's dispatch and cache counters (read from Trellis at scrape time).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { status as Code } from '@grpc/grpc-js';
import type { EngineMetrics } from '../../engine/index.js';

const CODE_NAMES: Record<number, string> = {
  0: 'OK',
  1: 'Canceled',
  2: 'Unknown',
  3: 'InvalidArgument',
  4: 'DeadlineExceeded',
  5: 'NotFound',
  6: 'AlreadyExists',
  7: 'PermissionDenied',
  8: 'ResourceExhausted',
  9: 'FailedPrecondition',
  10: 'Aborted',
  11: 'OutOfRange',
  12: 'Unimplemented',
  13: 'Internal',
  14: 'Unavailable',
  15: 'DataLoss',
  16: 'Unauthenticated',
};

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly latency: Histogram<'grpc_service' | 'grpc_method'>;

  constructor(engineMetrics: () => readonly EngineMetrics[] = () => []) {
    collectDefaultMetrics({ register: this.registry, prefix: 'trellis_' });
    this.requests = new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const sum = (pick: (m: EngineMetrics) => number): number => engineMetrics().reduce((a, m) => a + pick(m), 0);
    const engineGauges: readonly [string, string, (m: EngineMetrics) => number][] = [
      ['trellis_dispatch_total', 'Sub-problems dispatched by the engine since start.', (m) => m.dispatches],
      ['trellis_cache_hits_total', 'Engine cache hits since start.', (m) => m.cacheHits],
      ['trellis_cache_misses_total', 'Engine cache misses since start.', (m) => m.cacheMisses],
      [
        'trellis_recursive_query_answers_total',
        'Checks answered by recursive SQL queries instead of the graph walk since start.',
        (m) => m.recursiveAnswers,
      ],
      [
        'trellis_recursive_query_walks_total',
        'Checks with a recursive-query plan that the graph walk answered (caveats, depth, undecidable parts) since start.',
        (m) => m.recursiveWalks,
      ],
    ];
    for (const [name, help, pick] of engineGauges)
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(sum(pick));
        },
      });
  }

  /** `method` is `Service/Method`. */
  observe(method: string, code: Code, durationMs: number): void {
    const slash = method.indexOf('/');
    const service = `authzed.api.v1.${method.slice(0, slash)}`;
    const name = method.slice(slash + 1);
    this.requests.inc({ grpc_service: service, grpc_method: name, grpc_code: CODE_NAMES[code] ?? String(code) });
    this.latency.observe({ grpc_service: service, grpc_method: name }, durationMs / 1000);
  }

  /** Serves `/metrics` on host:port; resolves with the bound port. */
  async listen(host: string, port: number): Promise<{ port: number; server: Server }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return { port: typeof addr === 'object' && addr ? addr.port : port, server };
  }
}
