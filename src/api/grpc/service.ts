/**
 * Turns a generated service descriptor plus a typed implementation into a grpc-js service.
 * Every call goes through one wrapper: auth and store resolution (the gate), deadline and
 * cancellation, request logging and metrics, and mapping errors to statuses exactly once.
 */
import {
  Metadata,
  status as Code,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
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
import { CallLifetime } from './call-lifetime.js';
import { decodeSimpleCheckRequest } from './fast-decode.js';
import { encodeSimpleCheckResponse } from './fast-encode.js';
import {
  CheckPermissionRequestSchema,
  CheckPermissionResponseSchema,
  type CheckPermissionResponse,
} from '../../gen/authzed/api/v1/permission_service_pb.js';
import { CallAbortedError, toGrpcStatus, toServiceError, type GrpcStatus } from './errors.js';
import type { TrellisPort } from './trellis-port.js';

export interface CallContext {
  readonly trellis: TrellisPort;
  /** Aborted when the client cancels or the deadline passes. */
  readonly signal: AbortSignal;
  /** `Service/Method`, e.g. `PermissionsService/CheckPermission`. */
  readonly method: string;
  readonly metadata: Metadata;
  /** Aborted when the server starts shutting down; long streams (Watch) end cleanly on it. */
  readonly closing: AbortSignal;
  /** Throws CallAbortedError when the call is over, so loops stop doing work for nobody. */
  throwIfAborted(): void;
}

/** What the server supplies to every call: authentication, the store to use, observation. */
export interface CallGate {
  /** Authenticates and returns the Trellis serving this call; throws a TrellisError or CallAbortedError-like status. */
  resolve(metadata: Metadata, method: string): Promise<TrellisPort>;
  /** Called once per call when it finishes. */
  observe(method: string, status: GrpcStatus, durationMs: number): void;
  readonly closing?: AbortSignal;
}

type In<M> = M extends { input: infer I extends DescMessage } ? MessageShape<I> : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? MessageInitShape<O> : never;

type Handler<M> = M extends { methodKind: 'unary' }
  ? (request: In<M>, ctx: CallContext) => Promise<Out<M>>
  : M extends { methodKind: 'server_streaming' }
    ? (request: In<M>, ctx: CallContext) => AsyncIterable<Out<M>>
    : M extends { methodKind: 'client_streaming' }
      ? (requests: AsyncIterable<In<M>>, ctx: CallContext) => Promise<Out<M>>
      : never;

export type ServiceImpl<S extends GenServiceMethods> = { readonly [K in keyof S]: Handler<S[K]> };

/** A rejection raised before any handler runs (authentication); carries its own status. */
export class StatusError extends Error {
  constructor(readonly status: GrpcStatus) {
    super(status.message);
  }
}

function statusOf(err: unknown): GrpcStatus {
  return err instanceof StatusError ? err.status : toGrpcStatus(err);
}

const OK: GrpcStatus = { code: Code.OK, message: 'OK' };

interface AnyCall {
  metadata: Metadata;
  cancelled?: boolean;
  getDeadline(): Date | number;
  on(event: 'cancelled', listener: () => void): unknown;
  off(event: 'cancelled', listener: () => void): unknown;
  sendMetadata(md: Metadata): void;
}

function deadlineMs(call: AnyCall): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

const NEVER = new AbortController().signal;

/** A class rather than an object literal: literals with getters are slow to build per call. */
class Context implements CallContext {
  constructor(
    readonly trellis: TrellisPort,
    readonly method: string,
    readonly metadata: Metadata,
    readonly closing: AbortSignal,
    private readonly life: CallLifetime,
  ) {}

  get signal(): AbortSignal {
    return this.life.signal;
  }

  throwIfAborted(): void {
    if (this.life.aborted) {
      const reason: unknown = this.life.reason;
      throw reason instanceof CallAbortedError ? reason : new CallAbortedError(Code.CANCELLED, 'call cancelled');
    }
  }
}

function contextFor(call: AnyCall, method: string, trellis: TrellisPort, life: CallLifetime, closing: AbortSignal): CallContext {
  return new Context(trellis, method, call.metadata, closing, life);
}

/** Starts the per-call machinery; returns the call's lifetime or throws DEADLINE_EXCEEDED at once. */
function startCall(call: AnyCall): { life: CallLifetime; cleanup: () => void } {
  const life = new CallLifetime();
  const deadline = deadlineMs(call);
  if (Number.isFinite(deadline) && deadline <= Date.now()) {
    throw new CallAbortedError(Code.DEADLINE_EXCEEDED, 'context deadline exceeded');
  }
  const onCancel = (): void => life.abort(new CallAbortedError(Code.CANCELLED, 'context canceled'));
  call.on('cancelled', onCancel);
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(deadline)) {
    timer = setTimeout(
      () => life.abort(new CallAbortedError(Code.DEADLINE_EXCEEDED, 'context deadline exceeded')),
      Math.min(Math.max(0, deadline - Date.now()), 2_147_000_000),
    );
    timer.unref();
  }
  const requestId = call.metadata.get('x-request-id')[0];
  if (typeof requestId === 'string' && requestId.length > 0) {
    const md = new Metadata();
    md.set('x-request-id', requestId);
    call.sendMetadata(md);
  }
  // grpc-js emits 'cancelled' after every finished call too; detaching here spares building an
  // Error and aborting a signal nobody listens to any more, on every call.
  return {
    life,
    cleanup: () => {
      call.off('cancelled', onCancel);
      if (timer) clearTimeout(timer);
    },
  };
}

async function* readAll<T>(call: ServerReadableStream<T, unknown>, life: CallLifetime): AsyncIterable<T> {
  for await (const msg of call as AsyncIterable<T>) {
    if (life.aborted) throw life.reason;
    yield msg;
  }
}

function writeWithBackpressure(call: ServerWritableStream<unknown, unknown>, msg: unknown, signal: AbortSignal): Promise<void> | undefined {
  if (call.write(msg)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/** Hand-written encoders for hot responses, by message type; each declines what it cannot write. */
const FAST_ENCODERS = new Map<string, (m: MessageShape<DescMessage>) => Buffer | undefined>([
  [CheckPermissionResponseSchema.typeName, (m) => encodeSimpleCheckResponse(m as CheckPermissionResponse)],
]);

/** Hand-written decoders for hot requests, by message type; each declines what it cannot read. */
const FAST_DECODERS = new Map<string, (b: Uint8Array) => MessageShape<DescMessage> | undefined>([
  [CheckPermissionRequestSchema.typeName, decodeSimpleCheckRequest],
]);

export function buildService<S extends GenServiceMethods>(
  service: GenService<S>,
  impl: ServiceImpl<S>,
  gate: CallGate,
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const definition: Record<string, ServiceDefinition[string]> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods as readonly DescMethod[]) {
    const name = `${service.name}/${method.name}`;
    const handler = (impl as unknown as Record<string, (...args: unknown[]) => unknown>)[method.localName];
    if (!handler) throw new Error(`no implementation for ${name}`);
    const input = method.input;
    const output = method.output;
    const fastEncoder = FAST_ENCODERS.get(output.typeName);
    const fastDecoder = FAST_DECODERS.get(input.typeName);
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (m: MessageShape<DescMessage>) => Buffer.from(toBinary(input, m)),
      requestDeserialize: fastDecoder ? (b: Buffer) => fastDecoder(b) ?? fromBinary(input, b) : (b: Buffer) => fromBinary(input, b),
      responseSerialize: fastEncoder
        ? (m: MessageShape<DescMessage>) => fastEncoder(m) ?? Buffer.from(toBinary(output, m))
        : (m: MessageShape<DescMessage>) => Buffer.from(toBinary(output, m)),
      responseDeserialize: (b: Buffer) => fromBinary(output, b),
      originalName: method.localName,
    };
    const toMessage = (init: unknown): MessageShape<DescMessage> => create(output, init as MessageInitShape<DescMessage>);

    switch (method.methodKind) {
      case 'unary':
      case 'client_streaming':
        implementation[method.name] = (
          call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>,
          callback: sendUnaryData<unknown>,
        ) => {
          const started = Date.now();
          void (async () => {
            let cleanup = (): void => {};
            try {
              const s = startCall(call);
              cleanup = s.cleanup;
              const trellis = await gate.resolve(call.metadata, name);
              const ctx = contextFor(call, name, trellis, s.life, gate.closing ?? NEVER);
              const arg =
                method.methodKind === 'unary'
                  ? (call as ServerUnaryCall<unknown, unknown>).request
                  : readAll(call as ServerReadableStream<unknown, unknown>, s.life);
              const result = await s.life.race(handler.call(impl, arg, ctx) as Promise<unknown>);
              callback(null, toMessage(result));
              gate.observe(name, OK, Date.now() - started);
            } catch (err) {
              const st = statusOf(err);
              callback(toServiceError(st), null);
              gate.observe(name, st, Date.now() - started);
            } finally {
              cleanup();
            }
          })();
        };
        break;
      case 'server_streaming':
        implementation[method.name] = (call: ServerWritableStream<unknown, unknown>) => {
          const started = Date.now();
          void (async () => {
            let cleanup = (): void => {};
            try {
              const s = startCall(call);
              cleanup = s.cleanup;
              const trellis = await gate.resolve(call.metadata, name);
              const ctx = contextFor(call, name, trellis, s.life, gate.closing ?? NEVER);
              const iterable = handler.call(impl, call.request, ctx) as AsyncIterable<unknown>;
              for await (const item of iterable) {
                ctx.throwIfAborted();
                const wait = writeWithBackpressure(call, toMessage(item), s.life.signal);
                if (wait) await wait;
              }
              ctx.throwIfAborted();
              call.end();
              gate.observe(name, OK, Date.now() - started);
            } catch (err) {
              const st = statusOf(err);
              if (!call.cancelled) call.emit('error', toServiceError(st));
              gate.observe(name, st, Date.now() - started);
            } finally {
              cleanup();
            }
          })();
        };
        break;
      case 'bidi_streaming':
        throw new Error(`bidi streaming is not used by ${name}`);
    }
  }
  return { definition: definition as ServiceDefinition, implementation };
}
