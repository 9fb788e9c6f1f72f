/** Runtime values of the caveat interpreter: the library's CEL values plus `ipaddress` and unknowns. */
import { celList, celMap, type CelError, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { IpAddress } from './ip-address.js';

/**
 * The result of anything that read a parameter absent from the context (cel-go's `Unknown`):
 * it carries the names of those parameters for `missing_required_context`.
 */
export class Unknown {
  constructor(readonly names: ReadonlySet<string>) {}

  static merge(a: Unknown | undefined, b: Unknown): Unknown {
    if (a === undefined) return b;
    return new Unknown(new Set([...a.names, ...b.names]));
  }
}

/** A value the interpreter passes around; library CEL errors are values, not exceptions. */
export type Val = CelValue | IpAddress | Unknown | CelError;

/** A value that is neither unknown nor an error. */
export type Concrete = CelValue | IpAddress;

/**
 * The library's lists convert their elements on read and refuse foreign objects, so lists and
 * maps holding ip addresses keep their raw elements here for the interpreter to read.
 */
const rawElements = new WeakMap<object, readonly Concrete[] | ReadonlyMap<string, Concrete>>();

export function makeList(items: readonly Concrete[]): CelList {
  const list = celList(items as readonly CelValue[]);
  if (items.some((i) => i instanceof IpAddress)) rawElements.set(list, items);
  return list;
}

export function makeMap(entries: ReadonlyMap<string, Concrete>): CelMap {
  const map = celMap(entries as ReadonlyMap<string, CelValue>);
  for (const v of entries.values()) {
    if (v instanceof IpAddress) {
      rawElements.set(map, entries);
      break;
    }
  }
  return map;
}

export function listItems(list: CelList): Iterable<Concrete> {
  const raw = rawElements.get(list);
  return Array.isArray(raw) ? raw : list;
}

export function listItem(list: CelList, index: number): Concrete | undefined {
  const raw = rawElements.get(list);
  return Array.isArray(raw) ? raw[index] : list.get(index);
}

export function mapEntry(map: CelMap, key: string | bigint | boolean): Concrete | undefined {
  const raw = rawElements.get(map);
  if (raw instanceof Map && typeof key === 'string') return raw.get(key);
  return map.get(key);
}
