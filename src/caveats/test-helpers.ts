/** Shorthands for the caveat tests: parameters from their schema spelling. */
import { compileCaveat } from './compile.js';
import { parseCaveatType } from './parse-type.js';
import type { CaveatCompileError, CaveatParameterType, CompiledCaveat } from './types.js';

export function typeOf(text: string): CaveatParameterType {
  const r = parseCaveatType(text);
  if ('error' in r) throw new Error(r.error);
  return r.type;
}

export function params(spec: Readonly<Record<string, string>>): Map<string, CaveatParameterType> {
  return new Map(Object.entries(spec).map(([k, v]) => [k, typeOf(v)]));
}

export function compileOk(spec: Readonly<Record<string, string>>, expression: string, name = 'test'): CompiledCaveat {
  const r = compileCaveat(name, params(spec), expression);
  if ('errors' in r) throw new Error(`expected ${expression} to compile: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.caveat;
}

export function compileErrors(spec: Readonly<Record<string, string>>, expression: string, name = 'test'): CaveatCompileError[] {
  const r = compileCaveat(name, params(spec), expression);
  if ('caveat' in r) throw new Error(`expected ${expression} not to compile`);
  return r.errors;
}

/** Asserts `f` throws an error of exactly `expected`'s class and message. */
export function expectThrows(f: () => unknown, expected: Error): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof Error)) throw new Error(`expected ${expected.name} to be thrown, got ${String(thrown)}`);
  if (thrown.constructor !== expected.constructor || thrown.message !== expected.message) {
    throw new Error(`expected ${expected.name}: ${expected.message}\n     got ${thrown.name}: ${thrown.message}`);
  }
}
