/**
 * The shared dispatch cache: per-resource results keyed by revision and canonical sub-problem.
 *
 * Keys are never concatenated into one string. A fresh key string costs a flatten and a hash on
 * every lookup (about 0.4 µs for a typical key), several times a whole cached check; instead the
 * key's parts index nested maps (revision → resource type → relation → subject type → subject id
 * → subject relation → resource id), whose short strings come straight from the request.
 *
 * Bounded by generations (the hashlru scheme): entries go into the current generation; when it
 * holds half the budget it becomes the previous one and the one before is dropped whole. A hit
 * in the previous generation is copied forward, so what is in use survives and what is not ages
 * out within two turns. At most `maxEntries` entries are held, eviction costs nothing per entry,
 * and a hit in the current generation is nothing but map lookups.
 */
import type { Revision, SubjectRef } from '../core/index.js';
import type { Outcome } from './outcome.js';

export interface CacheEntry {
  /** Undefined = not a member. */
  readonly outcome: Outcome | undefined;
  readonly depthRequired: number;
}

/** Results of one sub-problem by resource id. */
type ProblemEntries = Map<string, CacheEntry>;

/** The identity of a sub-problem, without its resource ids. */
export interface ProblemKey {
  readonly revision: Revision;
  readonly resourceType: string;
  readonly relation: string;
  readonly subject: SubjectRef;
}

// revision → resource type → relation → subject type → subject id → subject relation ('' = none) → entries
type Level<T> = Map<string, T>;
type Tree = Map<Revision, Level<Level<Level<Level<Level<ProblemEntries>>>>>>;

class Generation {
  readonly tree: Tree = new Map();
  size = 0;

  find(k: ProblemKey): ProblemEntries | undefined {
    return this.tree
      .get(k.revision)
      ?.get(k.resourceType)
      ?.get(k.relation)
      ?.get(k.subject.type)
      ?.get(k.subject.id)
      ?.get(k.subject.relation ?? '');
  }

  make(k: ProblemKey): ProblemEntries {
    const byType = child(this.tree, k.revision);
    const byRelation = child(byType, k.resourceType);
    const bySubjectType = child(byRelation, k.relation);
    const bySubjectId = child(bySubjectType, k.subject.type);
    const bySubjectRelation = child(bySubjectId, k.subject.id);
    return child(bySubjectRelation, k.subject.relation ?? '');
  }
}

function child<K, V>(m: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let c = m.get(key);
  if (c === undefined) m.set(key, (c = new Map()));
  return c;
}

export class DispatchCache {
  private current = new Generation();
  private previous = new Generation();
  private readonly generationSize: number;

  constructor(maxEntries: number) {
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  /** The entry for one resource of a sub-problem, or undefined. */
  get(k: ProblemKey, resourceId: string): CacheEntry | undefined {
    const hit = this.current.find(k)?.get(resourceId);
    if (hit !== undefined) return hit;
    const old = this.previous.find(k)?.get(resourceId);
    if (old !== undefined) this.set(k, resourceId, old);
    return old;
  }

  set(k: ProblemKey, resourceId: string, entry: CacheEntry): void {
    const table = this.current.find(k) ?? this.current.make(k);
    const had = table.has(resourceId);
    table.set(resourceId, entry);
    if (had) return;
    if (++this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Generation();
    }
  }

  /** Entries held (both generations; an entry copied forward may count twice). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  clear(): void {
    this.current = new Generation();
    this.previous = new Generation();
  }
}
