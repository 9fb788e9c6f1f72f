/**
 * The floor of one RPC: a grpc-js server that answers authzed-node's CheckPermission without
 * doing any work, decoding the request and encoding a response exactly as a real server must.
 */
import * as grpc from '@grpc/grpc-js';
import { v1 } from '@authzed/authzed-node';

export interface NoopServer {
  readonly port: number;
  close(): Promise<void>;
}

const definition: grpc.ServiceDefinition = {
  CheckPermission: {
    path: '/authzed.api.v1.PermissionsService/CheckPermission',
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: v1.CheckPermissionRequest) => Buffer.from(v1.CheckPermissionRequest.toBinary(m)),
    requestDeserialize: (b: Buffer) => v1.CheckPermissionRequest.fromBinary(b),
    responseSerialize: (m: v1.CheckPermissionResponse) => Buffer.from(v1.CheckPermissionResponse.toBinary(m)),
    responseDeserialize: (b: Buffer) => v1.CheckPermissionResponse.fromBinary(b),
  },
};

export async function startNoopServer(host = '127.0.0.1', port = 0): Promise<NoopServer> {
  const server = new grpc.Server();
  server.addService(definition, {
    CheckPermission(
      _call: grpc.ServerUnaryCall<v1.CheckPermissionRequest, v1.CheckPermissionResponse>,
      callback: grpc.sendUnaryData<v1.CheckPermissionResponse>,
    ) {
      callback(
        null,
        v1.CheckPermissionResponse.create({
          checkedAt: { token: 'noop' },
          permissionship: v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION,
        }),
      );
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
