/**
 * Three-valued results of dispatched sub-problems, with caveats carried unevaluated so cached
 * results never depend on a request's context. A resource absent from a result map is NOT_MEMBER.
 */
import { caveatAnd, caveatLeaf, caveatNot, caveatOr, type CaveatExpr } from '../caveats/index.js';
import type { Relationship } from '../core/index.js';

export type { CaveatExpr };

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
  return r.caveat ? caveated(caveatLeaf(r.caveat.name, r.caveat.context)) : MEMBER;
}

export function orOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind === 'member' || b.kind === 'member') return MEMBER;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  return caveated(caveatOr(a.expr, b.expr));
}

export function andOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  if (a.kind === 'member') return b;
  if (b.kind === 'member') return a;
  return caveated(caveatAnd(a.expr, b.expr));
}

/** `a - b`. */
export function andNotOutcome(a: Outcome | undefined, b: Outcome | undefined): Outcome | undefined {
  if (a === undefined) return undefined;
  if (b === undefined) return a;
  if (b.kind === 'member') return undefined;
  if (a.kind === 'depth' || b.kind === 'depth') return DEPTH;
  const notB = caveatNot(b.expr);
  return a.kind === 'member' ? caveated(notB) : caveated(caveatAnd(a.expr, notB));
}

/** Accumulates `value` into `map[id]` with OR. */
export function orInto(map: Map<string, Outcome>, id: string, value: Outcome | undefined): void {
  const merged = orOutcome(map.get(id), value);
  if (merged !== undefined) map.set(id, merged);
}
