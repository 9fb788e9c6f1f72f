/**
 * The one place the schema compiler hands caveat expressions to the caveat layer, which
 * parses and type-checks the CEL body (unused parameters, non-bool results, unknown names).
 */
import { compileCaveat, type CaveatCompileError, type CaveatParameterType, type CompiledCaveat } from '../caveats/index.js';

export function compileCaveatExpression(
  name: string,
  parameters: ReadonlyMap<string, CaveatParameterType>,
  expression: string,
): { caveat: CompiledCaveat } | { errors: readonly CaveatCompileError[] } {
  try {
    return compileCaveat(name, parameters, expression);
  } catch (e) {
    // The schema compiler promises never to throw, whatever the CEL layer does with odd input.
    return { errors: [{ message: e instanceof Error ? e.message : String(e) }] };
  }
}
