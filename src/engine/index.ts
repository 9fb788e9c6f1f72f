/** The permission engine: check, expand, lookups, consistency; the dispatcher chain (cache, de-duplication, graph walk). */
export * from './types.js';
