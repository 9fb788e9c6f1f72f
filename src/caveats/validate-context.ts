/**
 * Write-time validation of a relationship's stored caveat context: SpiceDB converts it with
 * `ErrorForUnknownParameters` (`internal/relationships/validation.go`), so every key must be a
 * parameter and every value must convert to its parameter's type. Check time, by contrast,
 * ignores unknown keys (CompiledCaveat.evaluate).
 */
import { CaveatParameterTypeError, type JsonObject } from '../core/index.js';
import { ConversionFailure, convertValue } from './convert.js';
import type { CaveatParameterType } from './types.js';

export function validateCaveatContext(
  caveat: { readonly name: string; readonly parameters: ReadonlyMap<string, CaveatParameterType> },
  context: JsonObject,
): void {
  for (const key of Object.keys(context)) {
    const type = caveat.parameters.get(key);
    if (type === undefined) throw new CaveatParameterTypeError(caveat.name, key, `unknown parameter \`${key}\``);
    try {
      convertValue(type, context[key] ?? null);
    } catch (e) {
      if (e instanceof ConversionFailure) {
        throw new CaveatParameterTypeError(caveat.name, key, `could not convert context parameter \`${key}\`: ${e.message}`);
      }
      throw e;
    }
  }
}
