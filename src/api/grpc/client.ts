/**
 * A small promise/async-iterator gRPC client over the generated descriptors, used by the CLI
 * (`--endpoint`). It speaks the same wire format as any SpiceDB client.
 */
import {
  Client,
  credentials,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethod,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';

export interface ClientOptions {
  /** Bearer token sent as `authorization: Bearer <token>`. */
  readonly token?: string;
  /** Plaintext connection (no TLS). */
  readonly insecure?: boolean;
  /** PEM CA certificate to trust instead of the system roots (self-signed servers). */
  readonly caCertificate?: Buffer;
  /** Per-call deadline in ms (default none). */
  readonly timeoutMs?: number;
}

type In<M> = M extends { input: infer I extends DescMessage } ? MessageInitShape<I> : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

type ClientMethod<M> = M extends { methodKind: 'unary' }
  ? (request: In<M>) => Promise<Out<M>>
  : M extends { methodKind: 'server_streaming' }
    ? (request: In<M>) => AsyncIterable<Out<M>>
    : M extends { methodKind: 'client_streaming' }
      ? (requests: Iterable<In<M>> | AsyncIterable<In<M>>) => Promise<Out<M>>
      : never;

export type ServiceClient<S extends GenServiceMethods> = { readonly [K in keyof S]: ClientMethod<S[K]> };

/** Thrown for a failed call: the gRPC code and the server's message. */
export class RemoteCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly metadata?: Metadata,
  ) {
    super(details);
    this.name = 'RemoteCallError';
  }
}

function wrap(err: ServiceError): RemoteCallError {
  return new RemoteCallError(err.code, err.details || err.message, err.metadata);
}

export function channelCredentials(options: ClientOptions): ChannelCredentials {
  if (options.insecure) return credentials.createInsecure();
  const base = credentials.createSsl(options.caCertificate ?? null);
  if (!options.token) return base;
  const md = new Metadata();
  md.set('authorization', `Bearer ${options.token}`);
  return credentials.combineChannelCredentials(
    base,
    credentials.createFromMetadataGenerator((_p, cb) => cb(null, md)),
  );
}

export class GrpcConnection {
  readonly client: Client;
  constructor(
    endpoint: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new Client(endpoint, channelCredentials(options));
  }

  private callMetadata(): Metadata {
    // Over plaintext, grpc-js drops call credentials, so the token travels as plain metadata.
    const md = new Metadata();
    if (this.options.insecure && this.options.token) md.set('authorization', `Bearer ${this.options.token}`);
    return md;
  }

  private callOptions(): CallOptions {
    return this.options.timeoutMs ? { deadline: Date.now() + this.options.timeoutMs } : {};
  }

  service<S extends GenServiceMethods>(service: GenService<S>): ServiceClient<S> {
    const out: Record<string, unknown> = {};
    for (const method of service.methods as readonly DescMethod[]) {
      const path = `/${service.typeName}/${method.name}`;
      const ser = (m: MessageInitShape<DescMessage>): Buffer => Buffer.from(toBinary(method.input, create(method.input, m)));
      const de = (b: Buffer): MessageShape<DescMessage> => fromBinary(method.output, b);
      switch (method.methodKind) {
        case 'unary':
          out[method.localName] = (req: MessageInitShape<DescMessage>) =>
            new Promise((resolve, reject) => {
              this.client.makeUnaryRequest(path, ser, de, req, this.callMetadata(), this.callOptions(), (err, res) =>
                err ? reject(wrap(err)) : resolve(res),
              );
            });
          break;
        case 'server_streaming':
          out[method.localName] = (req: MessageInitShape<DescMessage>) => {
            const stream: ClientReadableStream<MessageShape<DescMessage>> = this.client.makeServerStreamRequest(
              path,
              ser,
              de,
              req,
              this.callMetadata(),
              this.callOptions(),
            );
            return (async function* () {
              try {
                for await (const m of stream as AsyncIterable<MessageShape<DescMessage>>) yield m;
              } catch (e) {
                throw typeof e === 'object' && e !== null && 'code' in e ? wrap(e as ServiceError) : e;
              } finally {
                stream.cancel();
              }
            })();
          };
          break;
        case 'client_streaming':
          out[method.localName] = (reqs: Iterable<MessageInitShape<DescMessage>> | AsyncIterable<MessageInitShape<DescMessage>>) =>
            new Promise((resolve, reject) => {
              const call = this.client.makeClientStreamRequest(path, ser, de, this.callMetadata(), this.callOptions(), (err, res) =>
                err ? reject(wrap(err)) : resolve(res),
              );
              void (async () => {
                try {
                  for await (const r of reqs) {
                    if (!call.write(r)) await new Promise((res) => call.once('drain', res));
                  }
                  call.end();
                } catch (e) {
                  call.cancel();
                  reject(e);
                }
              })();
            });
          break;
        case 'bidi_streaming':
          break;
      }
    }
    return out as ServiceClient<S>;
  }

  close(): void {
    this.client.close();
  }
}
