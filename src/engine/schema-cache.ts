/**
 * Compiled schemas by revision: a revision's stored schema is read once, and compilation is
 * shared by every revision with the same schema hash. `peek` is synchronous for the hot path.
 */
import { LRUCache } from 'lru-cache';
import { SchemaNotFoundError, type Revision } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import type { Store } from '../store/index.js';

export interface SchemaAtRevision {
  readonly schema: Schema;
  readonly hash: string;
}

export class SchemaCache {
  private readonly byRevision = new LRUCache<Revision, SchemaAtRevision>({ max: 1024 });
  private readonly byHash = new LRUCache<string, Schema>({ max: 64 });

  constructor(
    private readonly store: Store,
    private readonly compile: (text: string) => Schema,
  ) {}

  peek(revision: Revision): SchemaAtRevision | undefined {
    return this.byRevision.get(revision);
  }

  async at(revision: Revision): Promise<SchemaAtRevision> {
    const cached = this.byRevision.get(revision);
    if (cached) return cached;
    const stored = await this.store.reader(revision).readSchema();
    if (!stored) throw new SchemaNotFoundError();
    let schema = this.byHash.get(stored.hash);
    if (!schema) {
      schema = this.compile(stored.text);
      this.byHash.set(stored.hash, schema);
    }
    const entry = { schema, hash: stored.hash };
    this.byRevision.set(revision, entry);
    return entry;
  }
}
