/** Static CEL types as the caveat type checker sees them, spelled the way cel-go prints them. */
import { type CelType } from '@bufbuild/cel';
import type { CaveatParameterType } from './types.js';

export type CelScalarKind =
  | 'int'
  | 'uint'
  | 'double'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'null'
  | 'dyn'
  | 'type'
  | 'timestamp'
  | 'duration'
  | 'ipaddress'
  /** The type of an expression that already failed to check; suppresses follow-on errors. */
  | 'error';

export type CelT =
  | { readonly k: CelScalarKind }
  /** `open` marks an empty literal whose element type is still to be inferred (macro accumulators). */
  | { readonly k: 'list'; readonly elem: CelT; readonly open?: true }
  | { readonly k: 'map'; readonly key: CelT; readonly value: CelT; readonly open?: true };

const scalars = new Map<CelScalarKind, CelT>();
export function scalar(k: CelScalarKind): CelT {
  let t = scalars.get(k);
  if (t === undefined) {
    t = { k };
    scalars.set(k, t);
  }
  return t;
}

export const DYN = scalar('dyn');
export const BOOL = scalar('bool');
export const INT = scalar('int');
export const STRING = scalar('string');
export const ERROR = scalar('error');

export function listOf(elem: CelT): CelT {
  return { k: 'list', elem };
}

export function mapOf(key: CelT, value: CelT): CelT {
  return { k: 'map', key, value };
}

/** cel-go's spelling: `list(int)`, `map(string, dyn)`, `google.protobuf.Timestamp`. */
export function formatCelT(t: CelT): string {
  switch (t.k) {
    case 'list':
      return `list(${formatCelT(t.elem)})`;
    case 'map':
      return `map(${formatCelT(t.key)}, ${formatCelT(t.value)})`;
    case 'null':
      return 'null_type';
    case 'timestamp':
      return 'google.protobuf.Timestamp';
    case 'duration':
      return 'google.protobuf.Duration';
    case 'ipaddress':
      return 'IPAddress';
    case 'error':
      return '*error*';
    default:
      return t.k;
  }
}

/**
 * The CEL type a parameter is declared with. Like SpiceDB (`types/basic.go`), `uint` is declared
 * as CEL `int` so that `p == 1` type-checks; its values are still checked to be non-negative.
 */
export function celTypeOfParameter(p: CaveatParameterType): CelT {
  switch (p.name) {
    case 'any':
      return DYN;
    case 'uint':
      return INT;
    case 'list':
      return listOf(p.args[0] ? celTypeOfParameter(p.args[0]) : DYN);
    case 'map':
      return mapOf(STRING, p.args[0] ? celTypeOfParameter(p.args[0]) : DYN);
    default:
      return scalar(p.name);
  }
}

/** Converts a signature type of @bufbuild/cel's standard library. */
export function fromLibraryType(t: CelType): CelT {
  switch (t.kind) {
    case 'list':
      return listOf(fromLibraryType(t.element));
    case 'map':
      return mapOf(fromLibraryType(t.key), fromLibraryType(t.value));
    case 'object':
      if (t.name === 'google.protobuf.Timestamp') return scalar('timestamp');
      if (t.name === 'google.protobuf.Duration') return scalar('duration');
      return DYN;
    case 'scalar':
      switch (t.scalar) {
        case 'null_type':
          return scalar('null');
        default:
          return scalar(t.scalar);
      }
  }
}

function isLoose(t: CelT): boolean {
  return t.k === 'dyn' || t.k === 'error';
}

/** Whether a value of type `actual` may be passed where `expected` is declared (dyn matches all). */
export function isAssignable(expected: CelT, actual: CelT): boolean {
  if (isLoose(expected) || isLoose(actual)) return true;
  if (expected.k === 'list') {
    return actual.k === 'list' && (actual.open === true || isAssignable(expected.elem, actual.elem));
  }
  if (expected.k === 'map') {
    return (
      actual.k === 'map' && (actual.open === true || (isAssignable(expected.key, actual.key) && isAssignable(expected.value, actual.value)))
    );
  }
  return expected.k === actual.k;
}

/**
 * The common type of two expressions that must agree (ternary branches, `==` operands, list
 * literal elements), or undefined when they cannot. An open (empty-literal) aggregate takes the
 * other side's shape; dyn absorbs anything.
 */
export function unify(a: CelT, b: CelT): CelT | undefined {
  if (a.k === 'error' || b.k === 'error') return ERROR;
  if (a.k === 'dyn' || b.k === 'dyn') return DYN;
  if (a.k === 'list' && b.k === 'list') {
    if (a.open) return b;
    if (b.open) return a;
    const elem = unify(a.elem, b.elem);
    return elem === undefined ? undefined : elem === a.elem ? a : listOf(elem);
  }
  if (a.k === 'map' && b.k === 'map') {
    if (a.open) return b;
    if (b.open) return a;
    const key = unify(a.key, b.key);
    const value = unify(a.value, b.value);
    return key === undefined || value === undefined ? undefined : mapOf(key, value);
  }
  return a.k === b.k ? a : undefined;
}

export function sameType(a: CelT, b: CelT): boolean {
  return formatCelT(a) === formatCelT(b);
}
