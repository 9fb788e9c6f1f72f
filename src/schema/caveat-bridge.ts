/**
 * The one place the schema compiler hands caveat expressions to the caveat layer. The CEL
 * compiler (`compileCaveat` of src/caveats) type-checks the body; this file adapts its result.
 */
import * as caveats from '../caveats/index.js';
import type { CaveatCompileError, CaveatParameterType, CompiledCaveat } from '../caveats/index.js';
import { CaveatEvaluationError } from '../core/index.js';

type CompileCaveatFn = (
  name: string,
  parameters: ReadonlyMap<string, CaveatParameterType>,
  expression: string,
) => { caveat: CompiledCaveat } | { errors: readonly CaveatCompileError[] };

/** Looked up at run time so the schema layer keeps working while the caveat compiler is absent. */
function caveatCompiler(): CompileCaveatFn | undefined {
  const fn: unknown = (caveats as Record<string, unknown>)['compileCaveat'];
  return typeof fn === 'function' ? (fn as CompileCaveatFn) : undefined;
}

export function compileCaveatExpression(
  name: string,
  parameters: ReadonlyMap<string, CaveatParameterType>,
  expression: string,
): { caveat: CompiledCaveat } | { errors: readonly CaveatCompileError[] } {
  const compile = caveatCompiler();
  if (compile) {
    try {
      return compile(name, parameters, expression);
    } catch (e) {
      return { errors: [{ message: e instanceof Error ? e.message : String(e) }] };
    }
  }
  return fallbackCompile(name, parameters, expression);
}

/**
 * Without a CEL compiler we can still enforce SpiceDB's "every parameter is used" rule; the
 * resulting caveat refuses to evaluate rather than guess.
 */
function fallbackCompile(
  name: string,
  parameters: ReadonlyMap<string, CaveatParameterType>,
  expression: string,
): { caveat: CompiledCaveat } | { errors: readonly CaveatCompileError[] } {
  if (expression.trim() === '') return { errors: [{ message: 'caveat expression is empty', offset: 0 }] };
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const used = new Set(withoutStrings.match(/[_\p{L}][_\p{L}\p{N}]*/gu) ?? []);
  const errors: CaveatCompileError[] = [];
  for (const p of parameters.keys()) {
    if (!used.has(p)) errors.push({ message: `parameter \`${p}\` for caveat \`${name}\` is unused` });
  }
  if (errors.length > 0) return { errors };
  return {
    caveat: {
      name,
      parameters,
      expression,
      evaluate() {
        throw new CaveatEvaluationError(name, 'no CEL compiler is available');
      },
    },
  };
}
