/**
 * The gRPC server: authzed.api.v1 services, grpc.health.v1 (no auth) and server reflection, on
 * @grpc/grpc-js. Refuses a non-loopback address without a preshared key; `close()` stops
 * accepting calls, ends watches, lets in-flight calls finish (bounded), then closes the stores.
 */
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, status as Code, type Metadata } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { toBinary } from '@bufbuild/protobuf';
import type { DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { pino, type Logger } from 'pino';
import { ReadOnlyError } from '../../core/index.js';
import { file_authzed_api_v1_experimental_service, ExperimentalService } from '../../gen/authzed/api/v1/experimental_service_pb.js';
import { file_authzed_api_v1_permission_service, PermissionsService } from '../../gen/authzed/api/v1/permission_service_pb.js';
import { file_authzed_api_v1_schema_service, SchemaService } from '../../gen/authzed/api/v1/schema_service_pb.js';
import { file_authzed_api_v1_watch_service, WatchService } from '../../gen/authzed/api/v1/watch_service_pb.js';
import { file_authzed_api_v1_error_reason } from '../../gen/authzed/api/v1/error_reason_pb.js';
import { file_google_rpc_error_details } from '../../gen/google/rpc/error_details_pb.js';
import { bearerToken, presharedKeyAuth, type Authenticator } from './auth.js';
import { withDecisionLog } from './decision-log.js';
import type { GrpcStatus } from './errors.js';
import { experimentalService } from './experimental-service.js';
import type { ServerMetrics } from './metrics.js';
import { permissionsService } from './permissions-service.js';
import { schemaService } from './schema-service.js';
import { buildService, type CallGate } from './service.js';
import type { TrellisPort } from './trellis-port.js';
import type { TrellisProvider } from './trellis-provider.js';
import { watchService } from './watch-service.js';

export interface ServerOptions {
  /** host:port; port 0 picks a free port. */
  readonly address: string;
  readonly provider: TrellisProvider;
  /** Preshared keys; empty or absent = no authentication (only allowed on loopback). */
  readonly presharedKeys?: readonly string[];
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  readonly logger?: Logger;
  readonly metrics?: ServerMetrics;
  /** One log line per check decision. */
  readonly decisionLog?: boolean;
  /** Reject every write (serve-testing's read-only port). */
  readonly readOnly?: boolean;
  /** How long close() waits for in-flight calls before cancelling them (default 10 s). */
  readonly shutdownGraceMs?: number;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Signals Watch streams to finish when the server begins shutting down. */
  readonly closing: AbortSignal;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set([
  'PermissionsService/WriteRelationships',
  'PermissionsService/DeleteRelationships',
  'PermissionsService/ImportBulkRelationships',
  'SchemaService/WriteSchema',
  'ExperimentalService/BulkImportRelationships',
]);

export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`invalid address \`${address}\`: expected host:port`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port: Number(m[3]) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function reflectionPackage(): Record<string, { fileDescriptorProtos: Buffer[] }> {
  const seen = new Set<string>();
  const files: Buffer[] = [];
  const visit = (f: DescFile): void => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    for (const d of f.dependencies) visit(d);
    files.push(Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  };
  for (const f of [
    file_authzed_api_v1_permission_service,
    file_authzed_api_v1_schema_service,
    file_authzed_api_v1_watch_service,
    file_authzed_api_v1_experimental_service,
    file_authzed_api_v1_error_reason,
    file_google_rpc_error_details,
  ]) {
    visit(f);
  }
  const pkg: Record<string, { fileDescriptorProtos: Buffer[] }> = {};
  for (const s of [PermissionsService, SchemaService, WatchService, ExperimentalService]) pkg[s.typeName] = { fileDescriptorProtos: files };
  return pkg;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { host, port } = splitAddress(options.address);
  const keys = options.presharedKeys ?? [];
  if (keys.length === 0 && !isLoopback(host)) {
    throw new Error(`refusing to serve on non-loopback address ${options.address} without --grpc-preshared-key`);
  }
  const logger = options.logger ?? pino({ level: 'silent' });
  const auth: Authenticator | undefined = keys.length > 0 ? presharedKeyAuth(keys) : undefined;
  const closingController = new AbortController();
  const decorated = new WeakMap<TrellisPort, TrellisPort>();

  const gate: CallGate = {
    async resolve(metadata: Metadata, method: string) {
      if (auth) auth(metadata);
      if (options.readOnly && WRITE_METHODS.has(method)) throw new ReadOnlyError();
      const token = auth ? undefined : bearerTokenOrNone(metadata);
      const t = await options.provider.get(token);
      if (!options.decisionLog) return t;
      let d = decorated.get(t);
      if (!d) {
        d = withDecisionLog(t, logger);
        decorated.set(t, d);
      }
      return d;
    },
    observe(method: string, status: GrpcStatus, durationMs: number) {
      options.metrics?.observe(method, status.code, durationMs);
      if (status.code === Code.INTERNAL && status.internal !== undefined) {
        logger.error({ method, err: status.internal }, 'internal error');
      } else {
        logger.debug({ method, code: status.code, durationMs }, 'rpc');
      }
    },
    closing: closingController.signal,
  };

  const server = new Server({
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    // Channelz bookkeeping (per-call trackers, timestamps) runs on every call by default, yet no
    // channelz service is registered to read it.
    'grpc.enable_channelz': 0,
  });
  for (const [svc, impl] of [
    [PermissionsService, permissionsService],
    [SchemaService, schemaService],
    [WatchService, watchService],
    [ExperimentalService, experimentalService],
  ] as const) {
    const { definition, implementation } = buildService(svc as typeof PermissionsService, impl as typeof permissionsService, gate);
    server.addService(definition, implementation);
  }
  const health = new HealthImplementation({
    '': 'SERVING',
    [PermissionsService.typeName]: 'SERVING',
    [SchemaService.typeName]: 'SERVING',
    [WatchService.typeName]: 'SERVING',
    [ExperimentalService.typeName]: 'SERVING',
  });
  health.addToServer(server);
  new ReflectionService(reflectionPackage() as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(server);

  const credentials = options.tls
    ? ServerCredentials.createSsl(
        null,
        [{ cert_chain: readFileSync(options.tls.certPath), private_key: readFileSync(options.tls.keyPath) }],
        false,
      )
    : ServerCredentials.createInsecure();
  const bindHost = host.includes(':') ? `[${host}]` : host;
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  logger.info(
    { address: `${host}:${boundPort}`, tls: Boolean(options.tls), auth: keys.length > 0, readOnly: Boolean(options.readOnly) },
    'grpc server listening',
  );

  let closed: Promise<void> | undefined;
  return {
    port: boundPort,
    host,
    closing: closingController.signal,
    close() {
      closed ??= (async () => {
        for (const s of ['', PermissionsService.typeName, SchemaService.typeName, WatchService.typeName, ExperimentalService.typeName]) {
          health.setStatus(s, 'NOT_SERVING');
        }
        closingController.abort();
        const grace = options.shutdownGraceMs ?? 10_000;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, grace);
          timer.unref();
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        await options.provider.close();
        logger.info('grpc server stopped');
      })();
      return closed;
    },
  };
}

function bearerTokenOrNone(metadata: Metadata): string | undefined {
  try {
    return bearerToken(metadata);
  } catch {
    // serve-testing keys stores by whatever the client sends; a malformed header is its own store.
    const raw = metadata.get('authorization')[0];
    return raw === undefined ? undefined : `raw:${String(raw)}`;
  }
}
