/**
 * The parser's token cursor: lookahead, keyword recognition (which depends on the `use` flags
 * seen so far), expectations that record SpiceDB-worded diagnostics, and the abort signal that
 * unwinds to a recovery point.
 */
import type { Diagnostic } from '../core/index.js';
import type { Span } from './ast.js';
import { lex, type Token, type TokenKind } from './lexer.js';

export const ALWAYS_KEYWORDS = ['definition', 'caveat', 'relation', 'permission', 'nil', 'with'];

/** Thrown to unwind to the nearest recovery point after a diagnostic was recorded. */
export class ParseAbort extends Error {}

export abstract class TokenCursor {
  protected readonly tokens: readonly Token[];
  protected readonly diagnostics: Diagnostic[] = [];
  protected readonly keywords = new Set(ALWAYS_KEYWORDS);
  protected index = 0;
  protected depth = 0;

  constructor(
    protected readonly text: string,
    protected readonly source: string,
  ) {
    const { tokens, errors } = lex(text);
    this.tokens = tokens;
    for (const e of errors) {
      this.diagnostics.push({
        message: e.message,
        start: { line: e.start.line, column: e.start.column },
        end: { line: e.end.line, column: e.end.column },
        source,
        snippet: e.snippet,
        severity: 'error',
        category: 'parse',
      });
    }
  }

  // ---- token helpers -------------------------------------------------------------------

  protected get tok(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  protected get prev(): Token {
    return this.tokens[Math.max(0, this.index - 1)] as Token;
  }

  protected next(): Token {
    const t = this.tok;
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  protected kindName(t: Token): string {
    return t.kind === 'TokenTypeIdentifier' && this.keywords.has(t.value) ? 'TokenTypeKeyword' : t.kind;
  }

  protected is(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  protected isKeyword(k: string, t: Token = this.tok): boolean {
    return t.kind === 'TokenTypeIdentifier' && t.value === k && this.keywords.has(k);
  }

  protected isTerminator(t: Token = this.tok): boolean {
    return t.kind === 'TokenTypeSemicolon' || t.kind === 'TokenTypeSyntheticSemicolon' || t.kind === 'TokenTypeEOF';
  }

  protected error(message: string, at: Token = this.tok): never {
    this.report(message, at);
    throw new ParseAbort(message);
  }

  protected report(message: string, at: Token, end?: Token): void {
    this.diagnostics.push({
      message,
      start: { line: at.start.line, column: at.start.column },
      end: { line: (end ?? at).end.line, column: (end ?? at).end.column },
      source: this.source,
      ...(at.value && at.kind !== 'TokenTypeSyntheticSemicolon' ? { snippet: at.value } : {}),
      severity: 'error',
      category: 'parse',
    });
  }

  protected expect(kind: TokenKind): Token {
    if (this.tok.kind !== kind) this.error(`Expected one of: [${kind}], found: ${this.kindName(this.tok)}`);
    return this.next();
  }

  protected expectKeyword(k: string): Token {
    if (!this.isKeyword(k)) this.error(`Expected keyword ${k}, found token ${this.kindName(this.tok)}`);
    return this.next();
  }

  protected identifier(): Token {
    const t = this.tok;
    if (t.kind !== 'TokenTypeIdentifier' || this.keywords.has(t.value)) {
      this.error(`Expected identifier, found token ${this.kindName(t)}`);
    }
    return this.next();
  }

  protected typePath(): { name: string; span: Span } {
    const first = this.identifier();
    let name = first.value;
    while (this.is('TokenTypeDiv')) {
      this.next();
      name += `/${this.identifier().value}`;
    }
    return { name, span: { start: first.start, end: this.prev.end } };
  }

  protected span(start: Token): Span {
    return { start: start.start, end: this.prev.end };
  }

  protected statementTerminator(): void {
    if (this.isTerminator()) {
      if (!this.is('TokenTypeEOF')) this.next();
      return;
    }
    this.error(`Expected end of statement or definition, found: ${this.kindName(this.tok)}`);
  }
}
