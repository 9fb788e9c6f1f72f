/** The parsed CEL syntax tree of @bufbuild/cel, named once so checker and interpreter share it. */
import { parse } from '@bufbuild/cel';

export type ParsedCel = ReturnType<typeof parse>;
export type CelExprNode = ParsedCel['expr'];
export type CelConstant = Extract<CelExprNode['exprKind'], { case: 'constExpr' }>['value'];
export type CelCall = Extract<CelExprNode['exprKind'], { case: 'callExpr' }>['value'];
export type CelSelect = Extract<CelExprNode['exprKind'], { case: 'selectExpr' }>['value'];
export type CelComprehension = Extract<CelExprNode['exprKind'], { case: 'comprehensionExpr' }>['value'];
export type CelStruct = Extract<CelExprNode['exprKind'], { case: 'structExpr' }>['value'];

export interface CelParseFailure {
  readonly message: string;
  readonly offset?: number;
}

/** Parses, turning the library's thrown syntax error into a message and a 0-based offset. */
export function parseCel(expression: string): { ast: ParsedCel } | { error: CelParseFailure } {
  try {
    return { ast: parse(expression) };
  } catch (e) {
    const err = e as { rawMessage?: unknown; message?: unknown; location?: { start?: { offset?: unknown } } };
    const message = typeof err.rawMessage === 'string' ? err.rawMessage : typeof err.message === 'string' ? err.message : String(e);
    const offset = err.location?.start?.offset;
    return { error: { message, ...(typeof offset === 'number' ? { offset } : {}) } };
  }
}

/** Well-known function names the parser emits for operators and macros. */
export const Op = {
  and: '_&&_',
  or: '_||_',
  not: '!_',
  conditional: '_?_:_',
  index: '_[_]',
  equals: '_==_',
  notEquals: '_!=_',
  in: '@in',
  notStrictlyFalse: '@not_strictly_false',
  oldNotStrictlyFalse: '__not_strictly_false__',
} as const;
