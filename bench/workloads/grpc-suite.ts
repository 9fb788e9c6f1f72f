/**
 * Over gRPC: the same authzed-node client at concurrency 1, 8 and 64 against the no-op grpc-js
 * server and against Trellis (each in its own child process on loopback, so client and server
 * each get a core), with the server's CPU time per check measured inside the server.
 */
import type { BenchConfig } from '../config.js';
import { sizeLabel } from '../datasets/dataset.js';
import { generateDocs } from '../datasets/docs.js';
import { DocsGraph } from '../datasets/docs-graph.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import { ServerChild } from '../grpc/child-handle.js';
import { connect, runCheckLoad } from '../grpc/client-load.js';

export const grpcRowName = (server: 'noop' | 'trellis', concurrency: number): string =>
  server === 'trellis' ? `trellis over gRPC, concurrency ${concurrency}` : `floor: no-op grpc-js server, concurrency ${concurrency}`;

export async function runGrpc(rec: Recorder, cfg: BenchConfig): Promise<void> {
  const dataset = generateDocs({ relationships: cfg.grpcDatasetSize, questions: cfg.questions });
  const graph = new DocsGraph(dataset.relationships);
  const reference = dataset.questions.map((q) => graph.check(q));
  const ctx: RowContext = {
    section: `grpc docs-${sizeLabel(cfg.grpcDatasetSize)} sqlite`,
    dataset: dataset.name,
    relationships: cfg.grpcDatasetSize,
    backend: 'sqlite',
  };
  for (const server of ['trellis', 'noop'] as const) {
    const child = ServerChild.spawn();
    try {
      const port = await child.start(server, cfg.grpcDatasetSize, cfg.workDir);
      const client = connect(port);
      try {
        for (const concurrency of cfg.grpcConcurrency) {
          let cpu0 = 0;
          const load = await runCheckLoad(client, dataset.questions, server === 'trellis' ? reference : undefined, concurrency, {
            warmup: Math.max(cfg.warmup, concurrency * 4),
            iterations: cfg.maxIterations,
            budgetMs: cfg.grpcBudgetMs,
            afterWarmup: async () => {
              cpu0 = await child.cpuUs();
            },
          });
          const cpu1 = await child.cpuUs();
          rec.add(
            measuredRow(ctx, grpcRowName(server, concurrency), server === 'trellis' ? 'trellis' : 'floor', load.measurement, {
              concurrency,
              serverCpuUsPerOp: (cpu1 - cpu0) / load.measurement.operations,
              ...(server === 'noop' ? { reference: grpcRowName('trellis', concurrency) } : {}),
              ...(load.wrong > 0 ? { status: 'disagrees' as const, note: `${load.wrong} answers differ from the docs oracle` } : {}),
            }),
          );
        }
      } finally {
        client.close();
      }
    } finally {
      await child.stop();
    }
  }
}
