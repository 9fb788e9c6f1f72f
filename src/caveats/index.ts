/** Caveats: the parameter type system, compilation and evaluation of CEL expressions (with partial results), and caveat expression trees. */
export * from './types.js';
export { compileCaveat } from './compile.js';
export { buildCaveatType, isCaveatTypeName, parseCaveatType } from './parse-type.js';
export {
  andConditions,
  caveatAnd,
  caveatExprToString,
  caveatLeaf,
  caveatNot,
  caveatOr,
  evaluateCaveatExpr,
  orConditions,
  type CaveatExpr,
} from './caveat-expr.js';
export { validateCaveatContext } from './validate-context.js';
