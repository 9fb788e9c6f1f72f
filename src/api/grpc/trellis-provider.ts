/**
 * Which Trellis serves a call. `serve` has one; `serve-testing` gives every distinct bearer
 * token (or none) its own empty in-memory store, as SpiceDB's testing mode does.
 */
import type { TrellisPort } from './trellis-port.js';

export interface TrellisProvider {
  /** `token` is the call's bearer token, or undefined without an authorization header. */
  get(token: string | undefined): Promise<TrellisPort>;
  /** Every Trellis opened so far (for metrics). */
  all(): readonly TrellisPort[];
  close(): Promise<void>;
}

export function singleTrellis(trellis: TrellisPort): TrellisProvider {
  return {
    get: () => Promise.resolve(trellis),
    all: () => [trellis],
    close: () => trellis.close(),
  };
}

export function perTokenTrellis(open: () => Promise<TrellisPort>, options: { maxTokens?: number } = {}): TrellisProvider {
  const maxTokens = options.maxTokens ?? 10_000;
  const byToken = new Map<string, Promise<TrellisPort>>();
  const opened: TrellisPort[] = [];
  return {
    get(token) {
      const key = token ?? '';
      let t = byToken.get(key);
      if (!t) {
        if (byToken.size >= maxTokens) return Promise.reject(new Error(`serve-testing: more than ${maxTokens} distinct tokens`));
        t = open();
        byToken.set(key, t);
        t.then(
          (x) => opened.push(x),
          () => undefined,
        );
        // A failed open must not poison the token forever.
        t.catch(() => byToken.delete(key));
      }
      return t;
    },
    all() {
      return opened;
    },
    async close() {
      const all = await Promise.allSettled([...byToken.values()]);
      byToken.clear();
      opened.length = 0;
      await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : Promise.resolve())));
    },
  };
}
