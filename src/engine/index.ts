/** The permission engine: check, expand, lookups, consistency; the dispatcher chain (cache, de-duplication, graph walk). */
export * from './types.js';
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export type { ExpandedSubject } from './expand.js';
