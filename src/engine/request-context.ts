/**
 * The per-request `DispatchContext`. The store reader and the memos are created on first use,
 * so a check answered entirely from the cache allocates none of them.
 */
import type { Revision } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import type { Store, StoreReader } from '../store/index.js';
import type { DispatchContext } from './dispatch.js';
import type { MetricsRecorder } from './metrics.js';
import type { CacheEntry } from './dispatch-cache.js';
import { RowMemo } from './row-memo.js';

export class RequestContext implements DispatchContext {
  private readerValue: StoreReader | undefined;
  private undecidedValue: Map<string, number> | undefined;
  private memoValue: Map<string, CacheEntry> | undefined;
  private rowsValue: RowMemo | undefined;

  constructor(
    private readonly store: Store,
    readonly revision: Revision,
    readonly schema: Schema,
    readonly operation: string,
    readonly metrics: MetricsRecorder,
    readonly trace: boolean,
  ) {}

  get reader(): StoreReader {
    return (this.readerValue ??= this.store.reader(this.revision));
  }

  get undecided(): Map<string, number> {
    return (this.undecidedValue ??= new Map());
  }

  get memo(): Map<string, CacheEntry> {
    return (this.memoValue ??= new Map());
  }

  get rows(): RowMemo {
    return (this.rowsValue ??= new RowMemo());
  }
}
