/** Types of the caveat layer: parameter types, compiled caveats and their three-valued results. */
import type { JsonObject } from '../core/index.js';

export type CaveatTypeName =
  'any' | 'bool' | 'string' | 'int' | 'uint' | 'double' | 'bytes' | 'duration' | 'timestamp' | 'list' | 'map' | 'ipaddress';

export interface CaveatParameterType {
  readonly name: CaveatTypeName;
  /** Element type of `list<T>` and `map<T>`; empty for the others. */
  readonly args: readonly CaveatParameterType[];
}

/** `list<int>`, `map<string>`, `ipaddress`: SpiceDB's spelling of a parameter type. */
export function formatCaveatType(t: CaveatParameterType): string {
  return t.args.length === 0 ? t.name : `${t.name}<${t.args.map(formatCaveatType).join(', ')}>`;
}

export type CaveatResult =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  /** Could not be decided: these parameters were missing from the context. */
  | { readonly kind: 'partial'; readonly missing: readonly string[] };

export interface CompiledCaveat {
  readonly name: string;
  readonly parameters: ReadonlyMap<string, CaveatParameterType>;
  readonly expression: string;
  /**
   * Evaluates with a merged JSON context (the caller merges relationship context over request
   * context; relationship values win). Unknown keys are ignored. Throws
   * CaveatParameterTypeError when a value does not fit its parameter type and
   * CaveatEvaluationError when evaluation fails with every referenced parameter present.
   */
  evaluate(context: JsonObject): CaveatResult;
}

export interface CaveatCompileError {
  readonly message: string;
  /** 0-based offset into the expression text, when known. */
  readonly offset?: number;
}
