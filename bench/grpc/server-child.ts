/**
 * Child-process entry for the gRPC comparison: serves either the no-op floor or Trellis (with
 * the docs dataset loaded) on a loopback port, and reports its own CPU time on request so the
 * server's cost per check is measured where it is spent. Talks to the parent over IPC.
 */
import path from 'node:path';
import { generateDocs } from '../datasets/docs.js';
import { startNoopServer } from './noop-server.js';
import { loadDataset, openTrellis } from '../systems/trellis-system.js';

export type ChildRequest =
  | { readonly type: 'start'; readonly server: 'noop' | 'trellis'; readonly docsSize: number; readonly workDir: string }
  | { readonly type: 'cpu' }
  | { readonly type: 'stop' };

export type ChildReply =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'cpu'; readonly userUs: number; readonly systemUs: number }
  | { readonly type: 'error'; readonly message: string };

async function start(req: Extract<ChildRequest, { type: 'start' }>): Promise<{ port: number; close(): Promise<void> }> {
  if (req.server === 'noop') return startNoopServer();
  const grpcApi = await import('../../src/api/grpc/index.js');
  const trellis = await openTrellis({ datastore: path.join(req.workDir, `grpc-docs-${req.docsSize}-${process.pid}.db`), cache: true });
  await loadDataset(trellis, generateDocs({ relationships: req.docsSize }));
  const server = await grpcApi.startServer({ address: '127.0.0.1:0', provider: grpcApi.singleTrellis(trellis), shutdownGraceMs: 1000 });
  return {
    port: server.port,
    async close() {
      await server.close();
      await trellis.close();
    },
  };
}

function send(reply: ChildReply): void {
  process.send?.(reply);
}

if (process.send) {
  let running: { close(): Promise<void> } | undefined;
  process.on('message', (msg: ChildRequest) => {
    void (async () => {
      try {
        if (msg.type === 'start') {
          const s = await start(msg);
          running = s;
          send({ type: 'ready', port: s.port });
        } else if (msg.type === 'cpu') {
          const u = process.cpuUsage();
          send({ type: 'cpu', userUs: u.user, systemUs: u.system });
        } else {
          await running?.close();
          process.exit(0);
        }
      } catch (e) {
        send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
  // The parent going away must never leave a server behind.
  process.on('disconnect', () => process.exit(0));
}
