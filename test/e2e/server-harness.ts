/** Starts a real Trellis gRPC server in-process on a random loopback port, for end-to-end tests. */
import { v1 } from '@authzed/authzed-node';
import { Trellis } from '../../src/api/embedded/index.js';
import { perTokenTrellis, singleTrellis, startServer, type RunningServer, type ServerOptions } from '../../src/api/grpc/index.js';

export interface Harness {
  readonly server: RunningServer;
  readonly endpoint: string;
  client(token?: string): ReturnType<typeof v1.NewClient>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    keys?: string[];
    testing?: boolean;
    datastore?: string;
    readOnly?: boolean;
    trellis?: Trellis;
    server?: Partial<ServerOptions>;
  } = {},
): Promise<Harness> {
  const provider = options.testing
    ? perTokenTrellis(() => Trellis.open({ datastore: 'memory', quantizationMs: 0 }))
    : singleTrellis(options.trellis ?? (await Trellis.open({ datastore: options.datastore ?? 'memory', quantizationMs: 0 })));
  const server = await startServer({
    address: '127.0.0.1:0',
    provider,
    shutdownGraceMs: 2_000,
    ...(options.keys ? { presharedKeys: options.keys } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...options.server,
  });
  // authzed-node only attaches the bearer token in INSECURE_LOCALHOST_ALLOWED mode when the
  // endpoint literally starts with `localhost:`.
  const endpoint = `localhost:${server.port}`;
  const clients: ReturnType<typeof v1.NewClient>[] = [];
  return {
    server,
    endpoint,
    client(token = 'sometoken') {
      const c = v1.NewClient(token, endpoint, v1.ClientSecurity.INSECURE_LOCALHOST_ALLOWED);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.close();
    },
  };
}
