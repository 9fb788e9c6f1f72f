/**
 * The engine's hot reads (a relation of a batch of resources, optionally narrowed to subjects)
 * skip the general SQL builder: their statement depends only on the filter's shape, so it is
 * built once per shape and only the bind values are computed per call. The values come out in
 * exactly the order `buildSelect` would bind them (a test holds the two together).
 */
import { ELLIPSIS, type RelationshipFilter } from '../../core/index.js';
import type { QueryOptions } from '../store.js';
import { MAX_INLINE_IDS, inlineSize } from './sqlite-connection.js';

export interface SelectShape {
  /** Identifies the SQL text: equal keys, equal statements. */
  readonly key: string;
  readonly values: unknown[];
}

/** Shape tag of an id list, appending its bind values: `1`, the padded size, or `j` (json_each). */
function idList(ids: readonly string[], values: unknown[]): string {
  if (ids.length === 1) {
    values.push(ids[0]);
    return '1';
  }
  if (ids.length > MAX_INLINE_IDS) {
    values.push(JSON.stringify(ids));
    return 'j';
  }
  const size = inlineSize(ids.length);
  const last = ids[ids.length - 1];
  for (let i = 0; i < size; i++) values.push(i < ids.length ? ids[i] : last);
  return String(size);
}

/**
 * The shape and values of a plain read, or undefined for anything the fast path does not cover
 * (prefixes, caveat or expiration filters, cursors, limits, subject order, empty id lists).
 */
export function selectShape(f: RelationshipFilter, revision: number, now: number, options?: QueryOptions): SelectShape | undefined {
  if (options !== undefined && (options.after !== undefined || options.limit !== undefined || (options.order ?? 'resource') !== 'resource'))
    return undefined;
  if (f.resourceIdPrefix || f.caveatName !== undefined || f.hasExpiration !== undefined) return undefined;
  const values: unknown[] = [];
  let key = '';
  if (f.resourceType) {
    values.push(f.resourceType);
    key += 't';
  }
  if (f.resourceIds !== undefined) {
    if (f.resourceIds.length === 0) return undefined;
    key += `i${idList(f.resourceIds, values)}`;
  }
  if (f.relation) {
    values.push(f.relation);
    key += 'r';
  }
  const s = f.subject;
  if (s) {
    key += 's';
    if (s.type) {
      values.push(s.type);
      key += 't';
    }
    if (s.ids !== undefined) {
      if (s.ids.length === 0) return undefined;
      key += `i${idList(s.ids, values)}`;
    }
    if (s.relation !== undefined) {
      values.push(s.relation === '' ? ELLIPSIS : s.relation);
      key += 'r';
    }
  }
  values.push(revision, revision, now);
  return { key, values };
}
