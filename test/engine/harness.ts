/** Builds an in-memory store with a schema and relationships, and an engine over it, for engine tests. */
import { parseRelationship, type Relationship } from '../../src/core/index.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { compileSchemaOrThrow, type Schema } from '../../src/schema/index.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface Harness {
  readonly store: Store;
  readonly engine: Engine;
  readonly schema: Schema;
  readonly relationships: readonly Relationship[];
  readonly revision: number;
  close(): Promise<void>;
}

export function rels(text: string): Relationship[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('//'))
    .map(parseRelationship);
}

export async function setup(
  schemaText: string,
  relationships: readonly Relationship[] | string,
  options: Partial<Omit<EngineOptions, 'store'>> = {},
): Promise<Harness> {
  const store = await openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 });
  const list = typeof relationships === 'string' ? rels(relationships) : relationships;
  const { revision } = await store.write(async (tx) => {
    await tx.writeSchema(schemaText);
    if (list.length > 0) await tx.apply(list.map((relationship) => ({ operation: 'touch' as const, relationship })));
  });
  const engine = createEngine({ store, ...options });
  return { store, engine, schema: compileSchemaOrThrow(schemaText), relationships: list, revision, close: () => store.close() };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
