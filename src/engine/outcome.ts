/**
 * Three-valued results of dispatched sub-problems, with caveats carried unevaluated so cached
 * results never depend on a request's context. A resource absent from a result map is NOT_MEMBER.
 */
import type { CaveatRef, Relationship } from '../core/index.js';

/** Boolean tree over relationship caveats: union → or, intersection → and, exclusion → and-not. */
export type CaveatExpr =
  | { readonly kind: 'caveat'; readonly caveat: CaveatRef }
  | { readonly kind: 'and'; readonly children: readonly CaveatExpr[] }
  | { readonly kind: 'or'; readonly children: readonly CaveatExpr[] }
  | { readonly kind: 'not'; readonly child: CaveatExpr };

export type Outcome =
  | { readonly kind: 'member' }
  | { readonly kind: 'caveated'; readonly expr: CaveatExpr }
  /** Undecidable within the depth limit; becomes MaxDepthExceededError if it reaches the caller. */
  | { readonly kind: 'depth' };

export const MEMBER: Outcome = Object.freeze({ kind: 'member' });
export const DEPTH: Outcome = Object.freeze({ kind: 'depth' });

export function caveated(expr: CaveatExpr): Outcome {
  return { kind: 'caveated', expr };
}

/** The outcome a single relationship contributes: its caveat, or plain membership. */
export function relationshipOutcome(r: Relationship): Outcome {
  return r.caveat ? caveated({ kind: 'caveat', caveat: r.caveat }) : MEMBER;
}

function flat(kind: 'and' | 'or', a: CaveatExpr, b: CaveatExpr): CaveatExpr {
  const children: CaveatExpr[] = [];
  for (const e of [a, b]) {
    if (e.kind === kind) children.push(...e.children);
    else children.push(e);
  }
  return { kind, children };
}

export function orOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind === 'member' || b.kind === 'member') return MEMBER;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  return caveated(flat('or', a.expr, b.expr));
}

export function andOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  if (a.kind === 'member') return b;
  if (b.kind === 'member') return a;
  return caveated(flat('and', a.expr, b.expr));
}

/** `a - b`. */
export function andNotOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined) return undefined;
  if (b === undefined) return a;
  if (b.kind === 'member') return undefined;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  const notB: CaveatExpr = { kind: 'not', child: b.expr };
  return a.kind === 'member' ? caveated(notB) : caveated(flat('and', a.expr, notB));
}

/** Accumulates `value` into `map[id]` with OR. */
export function orInto(map: Map<string, Outcome>, id: string, value: Outcome | undefined): void {
  const merged = orOutcome(map.get(id), value);
  if (merged !== undefined) map.set(id, merged);
}
