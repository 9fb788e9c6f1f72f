/**
 * Evaluation of carried caveat trees with a request's context, after dispatch (reference §5.1),
 * through the caveat module's three-valued evaluator (relationship context wins).
 */
import { evaluateCaveatExpr, type CaveatResult } from '../caveats/index.js';
import type { JsonObject } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import type { Outcome } from './outcome.js';
import type { Permissionship } from './types.js';

const EMPTY: JsonObject = Object.freeze({});

/** Evaluates a carried caveat tree against the schema's compiled caveats. */
export function evaluateOutcomeCaveats(
  schema: Schema,
  outcome: Extract<Outcome, { kind: 'caveated' }>,
  context: JsonObject | undefined,
): CaveatResult {
  return evaluateCaveatExpr(outcome.expr, (name) => schema.caveats.get(name)?.compiled, context ?? EMPTY);
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
  const r = evaluateOutcomeCaveats(schema, outcome, context);
  if (r.kind === 'true') return HAS;
  if (r.kind === 'false') return NO;
  return { permissionship: 'conditional_permission', missingContext: r.missing };
}
