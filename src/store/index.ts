/** The `Store` interface (MVCC snapshots, atomic writes, filters, cursors, change feed, GC). Adapters live in ./sqlite and ./postgres and are imported only by composition roots. */
export * from './store.js';
