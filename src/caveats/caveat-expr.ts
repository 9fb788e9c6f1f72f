/**
 * Caveat expression trees: how a dispatched check carries the caveats it depends on (union →
 * OR, intersection → AND, exclusion → `left AND NOT right`), evaluated after dispatch against
 * the request context with three-valued logic (reference §5.1, SpiceDB `internal/caveats/run.go`).
 */
import { CaveatNotFoundError, type JsonObject, type JsonValue } from '../core/index.js';
import type { CaveatResult, CompiledCaveat } from './types.js';

export type CaveatExpr =
  | { readonly kind: 'caveat'; readonly name: string; readonly context?: JsonObject }
  | { readonly kind: 'and' | 'or'; readonly children: readonly CaveatExpr[] }
  | { readonly kind: 'not'; readonly child: CaveatExpr };

export function caveatLeaf(name: string, context?: JsonObject): CaveatExpr {
  return context !== undefined && Object.keys(context).length > 0 ? { kind: 'caveat', name, context } : { kind: 'caveat', name };
}

function combine(kind: 'and' | 'or', children: readonly CaveatExpr[]): CaveatExpr {
  const flat: CaveatExpr[] = [];
  for (const c of children) {
    if (c.kind === kind) flat.push(...c.children);
    else flat.push(c);
  }
  const [only] = flat;
  if (only === undefined) throw new RangeError(`caveat ${kind} needs at least one operand`);
  return flat.length === 1 ? only : { kind, children: flat };
}

/** Conjunction, flattening nested ANDs; one operand is returned as is. */
export function caveatAnd(...children: readonly CaveatExpr[]): CaveatExpr {
  return combine('and', children);
}

/** Disjunction, flattening nested ORs; one operand is returned as is. */
export function caveatOr(...children: readonly CaveatExpr[]): CaveatExpr {
  return combine('or', children);
}

/** Negation; a double negation cancels. */
export function caveatNot(child: CaveatExpr): CaveatExpr {
  return child.kind === 'not' ? child.child : { kind: 'not', child };
}

/**
 * AND where `undefined` means "unconditionally true" (no caveat on that branch), the shape the
 * engine's member/caveated-member results take.
 */
export function andConditions(a: CaveatExpr | undefined, b: CaveatExpr | undefined): CaveatExpr | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return caveatAnd(a, b);
}

/** OR where `undefined` means "unconditionally true": anything OR true is true. */
export function orConditions(a: CaveatExpr | undefined, b: CaveatExpr | undefined): CaveatExpr | undefined {
  if (a === undefined || b === undefined) return undefined;
  return caveatOr(a, b);
}

const TRUE: CaveatResult = { kind: 'true' };
const FALSE: CaveatResult = { kind: 'false' };

/**
 * Evaluates a tree. Each leaf sees the request context overlaid with its relationship's stored
 * context (stored values win). AND with any false is false and OR with any true is true, even
 * when other operands are partial; otherwise partial operands make the result partial with
 * their missing parameters unioned (sorted). NOT keeps a partial result partial.
 * Throws CaveatNotFoundError for a leaf naming an unknown caveat.
 */
export function evaluateCaveatExpr(
  expr: CaveatExpr,
  lookup: (name: string) => CompiledCaveat | undefined,
  requestContext: JsonObject,
): CaveatResult {
  switch (expr.kind) {
    case 'caveat': {
      const caveat = lookup(expr.name);
      if (caveat === undefined) throw new CaveatNotFoundError(expr.name);
      const context = expr.context === undefined ? requestContext : { ...requestContext, ...expr.context };
      return caveat.evaluate(context);
    }
    case 'not': {
      const r = evaluateCaveatExpr(expr.child, lookup, requestContext);
      return r.kind === 'true' ? FALSE : r.kind === 'false' ? TRUE : r;
    }
    case 'and':
    case 'or': {
      const decisive = expr.kind === 'and' ? 'false' : 'true';
      let missing: Set<string> | undefined;
      for (const child of expr.children) {
        const r = evaluateCaveatExpr(child, lookup, requestContext);
        if (r.kind === decisive) return r;
        if (r.kind === 'partial') {
          missing ??= new Set();
          for (const m of r.missing) missing.add(m);
        }
      }
      if (missing !== undefined) return { kind: 'partial', missing: [...missing].sort() };
      return expr.kind === 'and' ? TRUE : FALSE;
    }
  }
}

/** Readable form for traces and debugging: `(a:{"x":1} && !b) || c`. */
export function caveatExprToString(expr: CaveatExpr): string {
  switch (expr.kind) {
    case 'caveat':
      return expr.context === undefined ? expr.name : `${expr.name}:${stableJson(expr.context)}`;
    case 'not': {
      const inner = caveatExprToString(expr.child);
      return expr.child.kind === 'caveat' || expr.child.kind === 'not' ? `!${inner}` : `!(${inner})`;
    }
    case 'and':
    case 'or': {
      const op = expr.kind === 'and' ? ' && ' : ' || ';
      return expr.children
        .map((c) => (c.kind === 'and' || c.kind === 'or' ? `(${caveatExprToString(c)})` : caveatExprToString(c)))
        .join(op);
    }
  }
}

/** JSON with object keys sorted, so equal contexts print equally. */
function stableJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(stableJson).join(',')}]`;
  const obj = v as JsonObject;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k] ?? null)}`)
    .join(',')}}`;
}
