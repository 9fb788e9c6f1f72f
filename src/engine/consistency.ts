/**
 * Which revision a request reads (reference §5.6), plus read-your-writes for embedded callers:
 * a process that wrote at revision R never reads older than R under minimize_latency.
 */
import { InvalidRevisionError, decodeZedToken, tokenMatchesStore, type Revision } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Consistency } from './types.js';

export class RevisionResolver {
  private lastWrite: Revision = 0;

  constructor(
    private readonly store: Store,
    private readonly readYourWrites: boolean,
  ) {}

  noteWrite(revision: Revision): void {
    if (revision > this.lastWrite) this.lastWrite = revision;
  }

  resolve(consistency?: Consistency): Promise<Revision> {
    // The default read skips an async frame: it is on every check, cached ones included.
    if (consistency === undefined || consistency.kind === 'minimize_latency')
      return this.readYourWrites ? this.optimized() : this.store.optimizedRevision();
    return this.resolveExplicit(consistency);
  }

  /**
   * The revision `resolve` would give, when it is known without I/O: minimize_latency inside a
   * quantization window. Undefined otherwise (then call `resolve`).
   */
  peek(consistency?: Consistency): Revision | undefined {
    if (consistency !== undefined && consistency.kind !== 'minimize_latency') return undefined;
    const rev = this.store.cachedOptimizedRevision();
    return rev !== undefined && this.readYourWrites && this.lastWrite > rev ? this.lastWrite : rev;
  }

  private async resolveExplicit(consistency: Exclude<Consistency, { kind: 'minimize_latency' }>): Promise<Revision> {
    if (consistency.kind === 'fully_consistent') return this.store.headRevision();
    const token = decodeZedToken(consistency.token);
    const foreign = !tokenMatchesStore(token, this.store.uniqueId);
    if (consistency.kind === 'at_exact_snapshot') {
      if (foreign) throw new InvalidRevisionError('foreign');
      await this.store.checkRevision(token.revision);
      return token.revision;
    }
    // A token from another datastore says nothing about ours: read fully consistently.
    if (foreign) return this.store.headRevision();
    const optimized = await this.optimized();
    if (token.revision <= optimized) return optimized;
    await this.store.checkRevision(token.revision);
    return token.revision;
  }

  private async optimized(): Promise<Revision> {
    const rev = await this.store.optimizedRevision();
    return this.readYourWrites && this.lastWrite > rev ? this.lastWrite : rev;
  }
}
