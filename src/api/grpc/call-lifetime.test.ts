import { describe, expect, it } from 'vitest';
import { CallLifetime } from './call-lifetime.js';

describe('CallLifetime', () => {
  it('race settles with the work while the call is alive', async () => {
    const life = new CallLifetime();
    await expect(life.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(life.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(life.aborted).toBe(false);
  });

  it('race rejects with the abort reason when the call ends first, ignoring the work', async () => {
    const life = new CallLifetime();
    let finish!: (v: number) => void;
    const raced = life.race(new Promise<number>((r) => (finish = r)));
    const reason = new Error('cancelled');
    life.abort(reason);
    finish(1);
    await expect(raced).rejects.toBe(reason);
  });

  it('race rejects at once after an abort and swallows the abandoned work failing', async () => {
    const life = new CallLifetime();
    const reason = new Error('deadline');
    life.abort(reason);
    await expect(life.race(Promise.reject(new Error('late')))).rejects.toBe(reason);
  });

  it('keeps the first reason, and the lazily built signal carries it', () => {
    const life = new CallLifetime();
    const first = new Error('first');
    life.abort(first);
    life.abort(new Error('second'));
    expect(life.reason).toBe(first);
    expect(life.signal.aborted).toBe(true);
    expect(life.signal.reason).toBe(first);
  });

  it('aborts a signal handed out before the call ended, and returns the same signal each time', () => {
    const life = new CallLifetime();
    const signal = life.signal;
    expect(signal.aborted).toBe(false);
    const reason = new Error('gone');
    life.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(life.signal).toBe(signal);
  });
});
