/**
 * Evaluation of carried caveat trees with a request's context, after dispatch (reference §5.1):
 * relationship context wins over request context; AND with a false input is false, OR with a true
 * input is true, otherwise any partial input makes the result partial with the missing names unioned.
 */
import { CaveatNotFoundError, type JsonObject } from '../core/index.js';
import type { CaveatResult } from '../caveats/index.js';
import type { Schema } from '../schema/index.js';
import { assertNever } from '../schema/index.js';
import type { CaveatExpr, Outcome } from './outcome.js';
import type { Permissionship } from './types.js';

const TRUE: CaveatResult = { kind: 'true' };
const FALSE: CaveatResult = { kind: 'false' };

export function evaluateCaveatLeaf(schema: Schema, name: string, stored: JsonObject | undefined, context: JsonObject | undefined): CaveatResult {
  const def = schema.caveats.get(name);
  if (!def) throw new CaveatNotFoundError(name);
  const merged = stored ? (context ? { ...context, ...stored } : stored) : (context ?? {});
  return def.compiled.evaluate(merged);
}

export function evaluateCaveatExpr(schema: Schema, expr: CaveatExpr, context: JsonObject | undefined): CaveatResult {
  switch (expr.kind) {
    case 'caveat':
      return evaluateCaveatLeaf(schema, expr.caveat.name, expr.caveat.context, context);
    case 'not': {
      const r = evaluateCaveatExpr(schema, expr.child, context);
      return r.kind === 'true' ? FALSE : r.kind === 'false' ? TRUE : r;
    }
    case 'and':
    case 'or': {
      const decisive = expr.kind === 'and' ? 'false' : 'true';
      const missing = new Set<string>();
      let partial = false;
      for (const child of expr.children) {
        const r = evaluateCaveatExpr(schema, child, context);
        if (r.kind === decisive) return r;
        if (r.kind === 'partial') {
          partial = true;
          for (const m of r.missing) missing.add(m);
        }
      }
      if (partial) return { kind: 'partial', missing: [...missing].sort() };
      return expr.kind === 'and' ? TRUE : FALSE;
    }
    default:
      return assertNever(expr);
  }
}

export interface Resolved {
  readonly permissionship: Permissionship;
  readonly missingContext?: readonly string[];
}

const HAS: Resolved = Object.freeze({ permissionship: 'has_permission' });
const NO: Resolved = Object.freeze({ permissionship: 'no_permission' });

/** Turns a dispatched outcome into the API's permissionship. Callers handle `depth` first. */
export function resolveOutcome(schema: Schema, outcome: Outcome | undefined, context: JsonObject | undefined): Resolved {
  if (outcome === undefined) return NO;
  if (outcome.kind === 'member') return HAS;
  if (outcome.kind === 'depth') return NO;
  const r = evaluateCaveatExpr(schema, outcome.expr, context);
  if (r.kind === 'true') return HAS;
  if (r.kind === 'false') return NO;
  return { permissionship: 'conditional_permission', missingContext: r.missing };
}
