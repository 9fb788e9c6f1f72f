/** The gRPC face of Trellis: authzed.api.v1 services on grpc-js, error mapping, auth, metrics, and a small client. */
export { startServer, splitAddress, isLoopback, type ServerOptions, type RunningServer } from './server.js';
export { singleTrellis, perTokenTrellis, type TrellisProvider } from './trellis-provider.js';
export type { TrellisPort, WatchEvent, WatchOptions } from './trellis-port.js';
export { toGrpcStatus, toStatusMessage, toServiceError, ERROR_DOMAIN, STATUS_DETAILS_KEY, type GrpcStatus } from './errors.js';
export { presharedKeyAuth, bearerToken } from './auth.js';
export { ServerMetrics } from './metrics.js';
export { withDecisionLog } from './decision-log.js';
export { GrpcConnection, RemoteCallError, channelCredentials, type ClientOptions, type ServiceClient } from './client.js';
export { RemoteTrellis } from './remote-trellis.js';
