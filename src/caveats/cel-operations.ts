/** Operations of the caveat interpreter on concrete values: indexing, membership, ordering, SpiceDB's map functions, and CEL error values for missing overloads. */
import { celError, celUint, isCelList, isCelMap, isCelUint, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { Op, type CelConstant } from './cel-ast.js';
import { callStd } from './cel-host.js';
import { listItem, listItems, mapEntry, type Concrete, type Val } from './cel-values.js';
import { IpAddress } from './ip-address.js';

/** `item in list` over same-typed primitives; undefined when the list mixes in other types. */
export function primitiveIn(item: string | bigint | boolean, list: CelList): boolean | undefined {
  const type = typeof item;
  let found = false;
  for (const el of listItems(list)) {
    if (typeof el !== type) return undefined;
    if (el === item) found = true;
  }
  return found;
}

export const COMPARE: Readonly<Record<'_<_' | '_<=_' | '_>_' | '_>=_', (a: bigint | string, b: bigint | string) => boolean>> = {
  '_<_': (a, b) => a < b,
  '_<=_': (a, b) => a <= b,
  '_>_': (a, b) => a > b,
  '_>=_': (a, b) => a >= b,
};

export function constant(c: CelConstant): Val {
  const k = c.constantKind;
  switch (k.case) {
    case 'boolValue':
    case 'int64Value':
    case 'doubleValue':
    case 'stringValue':
    case 'bytesValue':
      return k.value;
    case 'uint64Value':
      return celUint(k.value);
    case 'nullValue':
      return null;
    default:
      return celError(`unsupported constant ${k.case ?? ''}`);
  }
}

export function index(id: number, container: Concrete | undefined, key: Concrete | undefined): Val {
  if (container === undefined || key === undefined) return celError('invalid index', id);
  if (isCelList(container)) {
    const i =
      typeof key === 'bigint'
        ? key
        : isCelUint(key)
          ? key.value
          : typeof key === 'number' && Number.isInteger(key)
            ? BigInt(key)
            : undefined;
    if (i === undefined) return noOverload(id, Op.index, undefined, [container, key]);
    const item = i >= 0n && i < BigInt(container.size) ? listItem(container as CelList, Number(i)) : undefined;
    return item ?? celError(`index '${i}' out of range in list size '${container.size}'`, id);
  }
  if (isCelMap(container)) {
    if (typeof key === 'string' || typeof key === 'bigint' || typeof key === 'boolean') {
      return mapEntry(container, key) ?? celError(`no such key: ${String(key)}`, id);
    }
    if (isCelUint(key)) return container.get(key) ?? celError(`no such key: ${key.value}`, id);
    return noOverload(id, Op.index, undefined, [container, key]);
  }
  return noOverload(id, Op.index, undefined, [container, key]);
}

/** SpiceDB's `map.isSubtreeOf` (`pkg/caveats/types/map.go`): every key of `a` is in `b` with an equal value, recursing into maps. */
export function isSubtree(a: CelMap, b: CelMap): boolean {
  for (const [k, v] of a) {
    if (!b.has(k)) return false;
    const other = b.get(k);
    if (isCelMap(v)) {
      if (other === undefined || !isCelMap(other) || !isSubtree(v, other)) return false;
    } else if (!shallowEquals(v, other)) {
      return false;
    }
  }
  return true;
}

function shallowEquals(a: CelValue, b: CelValue | undefined): boolean {
  if (b === undefined) return false;
  const eq = callStd(Op.equals, 0, undefined, [a, b]);
  return eq === true;
}

export function typeName(v: Concrete | undefined): string {
  if (v === undefined) return 'unknown';
  if (v instanceof IpAddress) return 'IPAddress';
  if (v === null) return 'null_type';
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (isCelUint(v)) return 'uint';
  if (isCelList(v)) return 'list';
  if (isCelMap(v)) return 'map';
  if ('desc' in v && typeof v.desc === 'object' && v.desc !== null && 'typeName' in v.desc) return String(v.desc.typeName);
  return 'type';
}

export function noOverload(id: number, fn: string, target: Concrete | undefined, args: readonly Concrete[]): Val {
  return celError(
    `found no matching overload for '${fn}' applied to '${target !== undefined ? `${typeName(target)}.` : ''}(${args.map(typeName).join(', ')})'`,
    id,
  );
}
