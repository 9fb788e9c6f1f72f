/** Compiling a caveat's CEL expression against its declared parameters, and evaluating it. */
import { isCelError } from '@bufbuild/cel';
import { CaveatEvaluationError, CaveatParameterTypeError, type JsonObject } from '../core/index.js';
import { parseCel } from './cel-ast.js';
import { inCelContext } from './cel-host.js';
import { celTypeOfParameter, formatCelT, type CelT } from './cel-type.js';
import { Unknown, type Val } from './cel-values.js';
import { checkCel } from './checker.js';
import { ConversionFailure, convertValue } from './convert.js';
import { compileProgram, type Frame, type Program } from './interpreter.js';
import type { CaveatCompileError, CaveatParameterType, CaveatResult, CompiledCaveat } from './types.js';

/** SpiceDB's `maxCaveatExpressionSize`. */
const MAX_EXPRESSION_LENGTH = 100_000;

const TRUE: CaveatResult = { kind: 'true' };
const FALSE: CaveatResult = { kind: 'false' };

/**
 * Parses and type-checks `expression` with each parameter declared at its CEL type. Errors:
 * syntax and type errors (with 0-based offsets), a non-bool result type, and each declared
 * parameter the expression never reads (SpiceDB refuses unused parameters).
 */
export function compileCaveat(
  name: string,
  parameters: ReadonlyMap<string, CaveatParameterType>,
  expression: string,
): { caveat: CompiledCaveat } | { errors: CaveatCompileError[] } {
  if (expression.trim().length > MAX_EXPRESSION_LENGTH) {
    return { errors: [{ message: `caveat expression provided exceeds maximum allowed size of ${MAX_EXPRESSION_LENGTH} characters` }] };
  }
  const parsed = parseCel(expression);
  if ('error' in parsed) return { errors: [parsed.error] };
  const declared = new Map<string, CelT>();
  for (const [p, t] of parameters) declared.set(p, celTypeOfParameter(t));
  const checked = checkCel(parsed.ast, declared, expression);
  if (checked.errors.length > 0) return { errors: [...checked.errors] };
  if (checked.type.k !== 'bool') {
    return { errors: [{ message: `caveat expression must result in a boolean value: found \`${formatCelT(checked.type)}\`` }] };
  }
  const unused = [...parameters.keys()].filter((p) => !checked.referenced.has(p));
  if (unused.length > 0) {
    return { errors: unused.map((p) => ({ message: `parameter \`${p}\` for caveat \`${name}\` is unused` })) };
  }
  const order = [...parameters.keys()];
  const program = compileProgram(parsed.ast.expr, order);
  const needsContext = program.constructsMessages || [...parameters.values()].some(holdsMessages);
  return { caveat: new CelCaveat(name, parameters, expression, order, program, needsContext) };
}

/** Timestamps and durations are protobuf messages in @bufbuild/cel. */
function holdsMessages(t: CaveatParameterType): boolean {
  return t.name === 'timestamp' || t.name === 'duration' || t.args.some(holdsMessages);
}

class CelCaveat implements CompiledCaveat {
  constructor(
    readonly name: string,
    readonly parameters: ReadonlyMap<string, CaveatParameterType>,
    readonly expression: string,
    private readonly order: readonly string[],
    private readonly program: Program,
    /** Only expressions that touch timestamps or durations need the library's evaluation context. */
    private readonly needsContext: boolean,
  ) {}

  evaluate(context: JsonObject): CaveatResult {
    const frame: Frame = new Array<Val | undefined>(this.program.slots);
    for (let i = 0; i < this.order.length; i++) {
      const param = this.order[i] as string;
      if (!Object.prototype.hasOwnProperty.call(context, param)) continue;
      const type = this.parameters.get(param) as CaveatParameterType;
      try {
        frame[i] = convertValue(type, context[param] ?? null);
      } catch (e) {
        if (e instanceof ConversionFailure) {
          throw new CaveatParameterTypeError(this.name, param, `could not convert context parameter \`${param}\`: ${e.message}`);
        }
        throw e;
      }
    }
    let value: Val;
    try {
      value = this.needsContext ? inCelContext(() => this.program.run(frame)) : this.program.run(frame);
    } catch (e) {
      // The interpreter turns failures into CEL error values; anything thrown is a library surprise.
      throw new CaveatEvaluationError(this.name, e instanceof Error ? e.message : String(e));
    }
    if (value === true) return TRUE;
    if (value === false) return FALSE;
    if (value instanceof Unknown) return { kind: 'partial', missing: [...value.names].sort() };
    if (isCelError(value)) throw new CaveatEvaluationError(this.name, value.message);
    throw new CaveatEvaluationError(this.name, 'caveat expression did not produce a boolean value');
  }
}
