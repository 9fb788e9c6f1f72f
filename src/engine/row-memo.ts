/**
 * Relationship reads one request has already made, by read shape (a filter without its resource
 * ids) and resource id. `view`, `edit` and `manage` of a folder all walk the same `parent` rows,
 * and with batched reads (Postgres) a check prefetches every relation of an object in one
 * statement; later reads of any subset of those ids are answered from here.
 */
import type { Relationship, RelationshipFilter } from '../core/index.js';

/** A read without its resource ids. */
export type ReadShape = Omit<RelationshipFilter, 'resourceIds'>;

/** Resource ids one request remembers; beyond this it reads again rather than grow. */
const MEMO_LIMIT = 50_000;

export function shapeKey(f: ReadShape): string {
  const s = f.subject;
  const subject = s === undefined ? '' : `${s.type ?? ''}\u0001${s.ids?.join('\u0002') ?? ''}\u0001${s.relation ?? '\u0003'}`;
  return `${f.resourceType ?? ''}\u0000${f.relation ?? ''}\u0000${subject}`;
}

export class RowMemo {
  private readonly byShape = new Map<string, Map<string, Relationship[]>>();
  private readonly plans = new Map<string, unknown>();
  private ids = 0;

  /**
   * A value derived from the schema and the request's subject (which reads a relation or an
   * object needs), made once per request and key instead of once per dispatch.
   */
  plan<T>(key: string, make: () => T): T {
    let p = this.plans.get(key) as T | undefined;
    if (p === undefined) this.plans.set(key, (p = make()));
    return p;
  }

  /** The rows of `ids` for the shape, or undefined unless every id has been read. */
  lookup(key: string, ids: readonly string[]): Relationship[] | undefined {
    const known = this.byShape.get(key);
    if (known === undefined) return undefined;
    if (ids.length === 1) return known.get(ids[0] as string);
    const out: Relationship[] = [];
    for (const id of ids) {
      const rows = known.get(id);
      if (rows === undefined) return undefined;
      for (const r of rows) out.push(r);
    }
    return out;
  }

  /** Whether every id has been read for the shape. */
  has(key: string, ids: readonly string[]): boolean {
    const known = this.byShape.get(key);
    return known !== undefined && ids.every((id) => known.has(id));
  }

  /** Remembers the complete result of reading `ids` for the shape (ids with no rows included). */
  store(key: string, ids: readonly string[], rows: readonly Relationship[]): void {
    if (this.ids + ids.length > MEMO_LIMIT) return;
    let known = this.byShape.get(key);
    if (known === undefined) this.byShape.set(key, (known = new Map()));
    for (const id of ids) {
      if (!known.has(id)) this.ids++;
      known.set(id, []);
    }
    for (const r of rows) known.get(r.resource.id)?.push(r);
  }
}
