import { describe, expect, it } from 'vitest';
import { isLoopback, splitAddress, startServer } from './server.js';
import type { TrellisProvider } from './trellis-provider.js';

const neverUsed: TrellisProvider = {
  get: () => Promise.reject(new Error('not used')),
  all: () => [],
  close: () => Promise.resolve(),
};

describe('addresses', () => {
  it('splits host:port, bracketed IPv6 and a bare :port', () => {
    expect(splitAddress('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(splitAddress('[::1]:50051')).toEqual({ host: '::1', port: 50051 });
    expect(splitAddress(':50051')).toEqual({ host: '0.0.0.0', port: 50051 });
    expect(() => splitAddress('localhost')).toThrow('invalid address `localhost`: expected host:port');
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});

describe('startServer', () => {
  it('refuses a non-loopback address without a preshared key', async () => {
    await expect(startServer({ address: '0.0.0.0:0', provider: neverUsed })).rejects.toThrow(
      'refusing to serve on non-loopback address 0.0.0.0:0 without --grpc-preshared-key',
    );
    await expect(startServer({ address: ':0', provider: neverUsed })).rejects.toThrow('refusing to serve on non-loopback address');
  });
});
