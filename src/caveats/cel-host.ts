/**
 * Runs code inside an evaluation of @bufbuild/cel. Some of the library's standard functions
 * (timestamp and duration construction, message equality) read a registry from an evaluation
 * context the library only sets while a planned program runs, and it does not export a way to
 * set it. The caveat interpreter calls those functions directly, so each evaluation runs inside
 * a one-call host program whose only function is the interpreter itself.
 */
import { CelScalar, celEnv, celFunc, parse, plan, type CelError, type CelValue } from '@bufbuild/cel';

let pending: (() => void) | undefined;

const hostEnv = celEnv({
  funcs: [
    celFunc('__trellis_host', [], CelScalar.BOOL, () => {
      pending?.();
      return true;
    }),
  ],
});
const hostProgram = plan(hostEnv, parse('__trellis_host()'));

const std = celEnv().funcs;

/**
 * Calls a standard-library function, the overload chosen by the runtime types of the operands;
 * undefined when no overload matches.
 */
export function callStd(name: string, id: number, target: CelValue | undefined, args: CelValue[]): CelValue | CelError | undefined {
  return std.find(name)?.call(id, target, args);
}

export function inCelContext<T>(f: () => T): T {
  let result: { value: T } | { error: unknown } | undefined;
  const previous = pending;
  pending = () => {
    try {
      result = { value: f() };
    } catch (error) {
      result = { error };
    }
  };
  try {
    hostProgram();
  } finally {
    pending = previous;
  }
  if (result === undefined) throw new Error('CEL host program did not run');
  if ('error' in result) throw result.error;
  return result.value;
}
