/** The `Store` interface (MVCC snapshots, atomic writes, filters, cursors, change feed, GC) and `openStore`, the one place that picks an adapter (./sqlite, ./postgres). */
export * from './store.js';
export type * from './reach.js';
export { openStore } from './open-store.js';
export { HEIGHT_CAP } from './nested-heights.js';
