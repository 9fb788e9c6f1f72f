/**
 * The schema compiler: parse, translate, type-check and compile caveat bodies. Never throws on
 * any input; `compileSchemaOrThrow` is the convenience wrapper for callers that want errors.
 */
import { SchemaParseError, SchemaTypeError, type Diagnostic } from '../core/index.js';
import { compileCaveatExpression } from './caveat-bridge.js';
import type { Position } from './lexer.js';
import type { CaveatDefinition, Schema } from './model.js';
import { parseSchema } from './parser.js';
import { translate, type PendingCaveat } from './translate.js';
import { typeCheck } from './type-check.js';

export interface CompileOptions {
  /** Name used in diagnostics; SpiceDB's WriteSchema uses `schema`. */
  readonly source?: string;
}

export interface CompileResult {
  /** Present only when there is no error. */
  readonly schema?: Schema;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileSchema(text: string, options: CompileOptions = {}): CompileResult {
  const source = options.source ?? 'schema';
  try {
    return compileUnsafe(text, source);
  } catch (e) {
    // A bug must surface as a diagnostic, not as a crash of the caller (e.g. the server).
    return {
      diagnostics: [
        {
          message: `internal error while compiling the schema: ${e instanceof Error ? e.message : String(e)}`,
          start: { line: 1, column: 1 },
          source,
          severity: 'error',
          category: 'parse',
        },
      ],
    };
  }
}

function compileUnsafe(text: string, source: string): CompileResult {
  const parsed = parseSchema(text, source);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sortDiagnostics(parsed.diagnostics) };

  const t = translate(parsed.ast, source);
  const diagnostics: Diagnostic[] = [...t.diagnostics];
  const caveats = new Map<string, CaveatDefinition>();
  for (const pending of t.caveats.values()) {
    const compiled = compileCaveat(pending, source, diagnostics);
    if (compiled) caveats.set(compiled.name, compiled);
  }
  if (!diagnostics.some((d) => d.category === 'parse')) {
    diagnostics.push(...typeCheck({ definitions: t.definitions, caveatNames: new Set(t.caveats.keys()), sourceMap: t.sourceMap, source }));
  }
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error')) return { diagnostics: sorted };
  return { schema: { definitions: t.definitions, caveats, flags: t.flags }, diagnostics: sorted };
}

function compileCaveat(pending: PendingCaveat, source: string, diagnostics: Diagnostic[]): CaveatDefinition | undefined {
  const { node, name, parameters } = pending;
  const at = (pos: { line: number; column: number }, message: string, category: 'parse' | 'type'): void => {
    diagnostics.push({ message, start: { line: pos.line, column: pos.column }, source, severity: 'error', category });
  };
  if (parameters.size === 0) {
    at(node.nameSpan.start, `caveat \`${name}\` must have at least one parameter defined`, 'parse');
    return undefined;
  }
  const raw = node.expression;
  const leading = raw.length - raw.trimStart().length;
  const expression = raw.trim();
  if (expression === '') {
    at(node.expressionStart, `caveat \`${name}\` must have a non-empty expression`, 'parse');
    return undefined;
  }
  const result = compileCaveatExpression(name, parameters, expression);
  if ('errors' in result) {
    for (const err of result.errors) {
      const unused = /^parameter `[^`]*` for caveat `[^`]*` is unused$/.test(err.message);
      const pos = err.offset !== undefined ? positionIn(raw, node.expressionStart, leading + err.offset) : node.nameSpan.start;
      at(pos, err.message, unused ? 'type' : 'parse');
    }
    return undefined;
  }
  return {
    kind: 'caveat',
    name,
    ...(pending.comment !== undefined ? { comment: pending.comment } : {}),
    parameters,
    expression,
    compiled: result.caveat,
    position: { line: node.start.line, column: node.start.column },
  };
}

/** The line and column of `offset` (UTF-16) inside `text`, which starts at `start`. */
function positionIn(text: string, start: Position, offset: number): { line: number; column: number } {
  let line = start.line;
  let column = start.column;
  const stop = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < stop; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      column = 1;
    } else if (c !== '\r' && !(c !== undefined && c >= '\udc00' && c <= '\udfff')) {
      column++;
    }
  }
  return { line, column };
}

function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.start.line - b.start.line || a.start.column - b.start.column);
}

/**
 * Compiles or throws: SchemaParseError when any parse-category error exists, otherwise
 * SchemaTypeError for the first type error (carrying its definition and position).
 */
export function compileSchemaOrThrow(text: string, source = 'schema'): Schema {
  const result = compileSchema(text, { source });
  if (result.schema) return result.schema;
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const parseErrors = errors.filter((d) => d.category === 'parse');
  if (parseErrors.length > 0) throw new SchemaParseError(parseErrors);
  const first = errors[0];
  if (!first) throw new SchemaParseError(result.diagnostics);
  throw new SchemaTypeError(first.message, first.definition, first.start);
}
