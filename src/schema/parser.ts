/**
 * The error-tolerant recursive-descent parser (grammar and precedence of reference §2.2).
 * A syntax error is recorded as a diagnostic and parsing resumes at the next statement or
 * top-level declaration, so one run reports several independent errors.
 */
import type { Diagnostic } from '../core/index.js';
import type {
  CaveatNode,
  CaveatParamNode,
  CaveatTypeNode,
  DefinitionNode,
  ExprNode,
  FileNode,
  ImportNode,
  MemberNode,
  PartialNode,
  PartialRefNode,
  PermissionNode,
  RelationNode,
  Span,
  TopLevelNode,
  TypeRefNode,
  UseFlagNode,
} from './ast.js';
import type { Token, TokenKind } from './lexer.js';
import { ParseAbort, TokenCursor } from './token-cursor.js';

export interface ParseResult {
  readonly ast: FileNode;
  readonly diagnostics: readonly Diagnostic[];
}

export const USE_FLAG_NAMES = ['expiration', 'import', 'partial', 'self', 'typechecking'] as const;

/** Deeper nesting than this is refused rather than risking the call stack. */
const MAX_NESTING = 100;

export function parseSchema(text: string, source = 'schema'): ParseResult {
  try {
    return new Parser(text, source).parseFile();
  } catch (e) {
    // Unreachable by design (the parser records problems instead of throwing); kept so that no
    // input can crash a caller such as the server.
    const message = `internal error while parsing the schema: ${e instanceof Error ? e.message : String(e)}`;
    const start = { line: 1, column: 1, offset: 0 };
    return {
      ast: { kind: 'file', items: [], start, end: start },
      diagnostics: [{ message, start: { line: 1, column: 1 }, source, severity: 'error', category: 'parse' }],
    };
  }
}

class Parser extends TokenCursor {
  private sawDeclaration = false;

  // ---- top level -----------------------------------------------------------------------

  parseFile(): ParseResult {
    const items: TopLevelNode[] = [];
    while (!this.is('TokenTypeEOF')) {
      if (this.is('TokenTypeSemicolon') || this.is('TokenTypeSyntheticSemicolon')) {
        this.next();
        continue;
      }
      const before = this.index;
      try {
        const item = this.topLevel();
        items.push(item);
      } catch (e) {
        if (!(e instanceof ParseAbort)) throw e;
        this.recoverTopLevel(before);
      }
    }
    return {
      ast: { kind: 'file', items, start: { line: 1, column: 1, offset: 0 }, end: this.tok.end },
      // Lexer errors were recorded up front; report everything in source order.
      diagnostics: [...this.diagnostics].sort((a, b) => a.start.line - b.start.line || a.start.column - b.start.column),
    };
  }

  private isTopLevelStart(t: Token): boolean {
    return (
      this.isKeyword('definition', t) ||
      this.isKeyword('caveat', t) ||
      this.isKeyword('partial', t) ||
      this.isKeyword('import', t) ||
      (t.kind === 'TokenTypeIdentifier' && t.value === 'use')
    );
  }

  /** Skips to the next token that can start a declaration outside any braces. */
  private recoverTopLevel(from: number): void {
    if (this.index === from) this.next();
    let depth = 0;
    for (let guard = 0; guard < this.tokens.length + 1 && !this.is('TokenTypeEOF'); guard++) {
      const t = this.tok;
      if (depth <= 0 && this.isTopLevelStart(t)) {
        const p = this.prev;
        if (this.index === 0 || this.isTerminator(p) || p.kind === 'TokenTypeRightBrace') return;
      }
      if (t.kind === 'TokenTypeLeftBrace') depth++;
      if (t.kind === 'TokenTypeRightBrace') depth--;
      this.next();
    }
  }

  private topLevel(): TopLevelNode {
    const t = this.tok;
    if (t.kind === 'TokenTypeIdentifier' && t.value === 'use' && !this.keywords.has('use')) return this.useFlag();
    if (this.isKeyword('definition')) return this.definitionLike('definition');
    if (this.isKeyword('caveat')) return this.caveat();
    if (this.isKeyword('partial')) return this.definitionLike('partial');
    if (this.isKeyword('import')) return this.importStatement();
    this.error(`Unexpected token at root level: ${this.kindName(t)}`);
  }

  private useFlag(): UseFlagNode {
    const start = this.next();
    if (this.sawDeclaration) this.error('`use` expressions must be declared before any definition', start);
    const flagTok = this.tok;
    if (flagTok.kind !== 'TokenTypeIdentifier') this.error(`Expected identifier, found token ${this.kindName(flagTok)}`);
    this.next();
    if (!(USE_FLAG_NAMES as readonly string[]).includes(flagTok.value)) {
      this.error(`Unknown use flag: \`${flagTok.value}\`. Options are: ${USE_FLAG_NAMES.join(', ')}`, flagTok);
    }
    if (flagTok.value === 'expiration') {
      this.keywords.add('expiration');
      this.keywords.add('and');
    } else {
      this.keywords.add(flagTok.value);
    }
    this.statementTerminator();
    return { kind: 'use', flag: flagTok.value, start: start.start, end: flagTok.end };
  }

  private importStatement(): ImportNode {
    const start = this.next();
    this.sawDeclaration = true;
    const str = this.expect('TokenTypeStringLiteral');
    this.statementTerminator();
    return { kind: 'import', path: str.value.replace(/^('''|"""|'|")|('''|"""|'|")$/g, ''), start: start.start, end: str.end };
  }

  // ---- definitions and partials --------------------------------------------------------

  private definitionLike(kind: 'definition'): DefinitionNode;
  private definitionLike(kind: 'partial'): PartialNode;
  private definitionLike(kind: 'definition' | 'partial'): DefinitionNode | PartialNode {
    const start = this.next();
    this.sawDeclaration = true;
    const { name, span: nameSpan } = this.typePath();
    this.expect('TokenTypeLeftBrace');
    const members: MemberNode[] = [];
    for (let guard = 0; guard <= this.tokens.length; guard++) {
      if (this.is('TokenTypeRightBrace')) {
        this.next();
        break;
      }
      if (this.is('TokenTypeEOF')) {
        this.report(`Expected end of statement or definition, found: TokenTypeEOF`, this.tok);
        break;
      }
      if (this.isKeyword('definition') || this.isKeyword('caveat')) {
        // A missing `}`: report it here, and let the top level parse what follows.
        this.report(`Expected end of statement or definition, found: ${this.kindName(this.tok)}`, this.tok);
        break;
      }
      const before = this.index;
      try {
        const member = this.member();
        if (member) members.push(member);
        if (!this.is('TokenTypeRightBrace')) this.statementTerminator();
        else if (member) this.error(`Expected end of statement or definition, found: TokenTypeRightBrace`);
      } catch (e) {
        if (!(e instanceof ParseAbort)) throw e;
        this.recoverMember(before);
      }
    }
    const base = { name, nameSpan, comments: start.comments, members, ...this.span(start) };
    return kind === 'definition' ? { kind: 'definition', ...base } : { kind: 'partial', ...base };
  }

  /** Skips the rest of a broken member: up to its terminator, or a `}` that closes the definition. */
  private recoverMember(from: number): void {
    if (this.index === from && !this.is('TokenTypeRightBrace') && !this.is('TokenTypeEOF')) this.next();
    let depth = 0;
    for (let guard = 0; guard <= this.tokens.length && !this.is('TokenTypeEOF'); guard++) {
      const t = this.tok;
      if (depth === 0) {
        if (t.kind === 'TokenTypeRightBrace') return;
        if (this.isKeyword('definition', t) || this.isKeyword('caveat', t)) return;
        if (t.kind === 'TokenTypeSemicolon' || t.kind === 'TokenTypeSyntheticSemicolon') {
          this.next();
          return;
        }
      }
      if (t.kind === 'TokenTypeLeftParen' || t.kind === 'TokenTypeLeftBrace') depth++;
      if (t.kind === 'TokenTypeRightParen' || t.kind === 'TokenTypeRightBrace') depth = Math.max(0, depth - 1);
      this.next();
    }
  }

  private member(): MemberNode | undefined {
    if (this.isKeyword('relation')) return this.relation();
    if (this.isKeyword('permission')) return this.permission();
    if (this.is('TokenTypeEllipsis') && this.keywords.has('partial')) return this.partialRef();
    if (this.is('TokenTypeSemicolon') || this.is('TokenTypeSyntheticSemicolon')) return undefined;
    this.error(`Expected end of statement or definition, found: ${this.kindName(this.tok)}`);
  }

  private partialRef(): PartialRefNode {
    const start = this.next();
    const name = this.identifier();
    return { kind: 'partial_ref', name: name.value, ...this.span(start) };
  }

  private relation(): RelationNode {
    const start = this.next();
    const name = this.identifier();
    this.expect('TokenTypeColon');
    const types: TypeRefNode[] = [this.typeRef()];
    while (this.is('TokenTypePipe')) {
      this.next();
      types.push(this.typeRef());
    }
    return {
      kind: 'relation',
      name: name.value,
      nameSpan: { start: name.start, end: name.end },
      comments: start.comments,
      types,
      ...this.span(start),
    };
  }

  private typeRef(): TypeRefNode {
    const start = this.tok;
    const { name: type } = this.typePath();
    let relation: string | undefined;
    let wildcard = false;
    if (this.is('TokenTypeColon')) {
      this.next();
      this.expect('TokenTypeStar');
      wildcard = true;
    } else if (this.is('TokenTypeHash')) {
      this.next();
      if (this.is('TokenTypeEllipsis')) relation = this.next().value;
      else relation = this.identifier().value;
    }
    let caveat: string | undefined;
    let caveatSpan: Span | undefined;
    let expiration = false;
    if (this.isKeyword('with')) {
      this.next();
      if (this.isKeyword('expiration')) {
        this.next();
        expiration = true;
        if (this.isKeyword('and')) {
          this.error(
            'Unexpected keyword after expiration: the caveat must come before expiration, e.g. `with <caveat_name> and expiration`',
          );
        }
      } else {
        const c = this.typePath();
        caveat = c.name;
        caveatSpan = c.span;
        if (this.isKeyword('and')) {
          this.next();
          this.expectKeyword('expiration');
          expiration = true;
        }
      }
    }
    return {
      kind: 'type_ref',
      type,
      ...(relation !== undefined ? { relation } : {}),
      wildcard,
      ...(caveat !== undefined ? { caveat } : {}),
      ...(caveatSpan ? { caveatSpan } : {}),
      expiration,
      ...this.span(start),
    };
  }

  private permission(): PermissionNode {
    const start = this.next();
    const name = this.identifier();
    let annotation: string[] | undefined;
    if (this.is('TokenTypeColon') && this.keywords.has('typechecking')) {
      this.next();
      annotation = [this.typePath().name];
      while (this.is('TokenTypePipe')) {
        this.next();
        annotation.push(this.typePath().name);
      }
    }
    this.expect('TokenTypeEquals');
    const expr = this.exclusion();
    if (!expr) this.error('Expected compute expression for permission');
    return {
      kind: 'permission',
      name: name.value,
      nameSpan: { start: name.start, end: name.end },
      comments: start.comments,
      ...(annotation ? { annotation } : {}),
      expr,
      ...this.span(start),
    };
  }

  // ---- permission expressions ----------------------------------------------------------

  private binary(op: TokenKind, kind: 'union' | 'intersection' | 'exclusion', operand: () => ExprNode | undefined): ExprNode | undefined {
    let left = operand();
    if (!left) return undefined;
    while (this.is(op)) {
      this.next();
      const right = operand();
      if (!right) this.error(`Expected right hand expression, found: ${this.kindName(this.tok)}`);
      left = { kind, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private exclusion(): ExprNode | undefined {
    return this.binary('TokenTypeMinus', 'exclusion', () => this.intersection());
  }

  private intersection(): ExprNode | undefined {
    return this.binary('TokenTypeAnd', 'intersection', () => this.union());
  }

  private union(): ExprNode | undefined {
    return this.binary('TokenTypePlus', 'union', () => this.arrowOrBase());
  }

  private arrowOrBase(): ExprNode | undefined {
    const t = this.tok;
    if (t.kind === 'TokenTypeLeftParen') {
      this.next();
      if (this.depth >= MAX_NESTING) this.error(`expression is nested too deeply (more than ${MAX_NESTING} levels)`, t);
      this.depth++;
      let inner: ExprNode | undefined;
      try {
        inner = this.exclusion();
      } finally {
        this.depth--;
      }
      if (!inner) this.error('Expected compute expression for permission');
      this.expect('TokenTypeRightParen');
      return inner;
    }
    if (t.kind !== 'TokenTypeIdentifier') return undefined;
    if (this.isKeyword('nil')) {
      this.next();
      return { kind: 'nil', start: t.start, end: t.end };
    }
    if (this.isKeyword('self')) {
      this.next();
      return { kind: 'self', start: t.start, end: t.end };
    }
    if (this.keywords.has(t.value)) return undefined;
    this.next();
    let expr: ExprNode = { kind: 'identifier', name: t.value, start: t.start, end: t.end };
    for (;;) {
      if (this.is('TokenTypeRightArrow')) {
        this.next();
        const right = this.identifier();
        expr = { kind: 'arrow', left: expr, right: right.value, fn: 'arrow', start: t.start, end: right.end };
        continue;
      }
      if (this.is('TokenTypePeriod')) {
        this.next();
        const fnTok = this.tok;
        if (fnTok.kind !== 'TokenTypeIdentifier' || (fnTok.value !== 'any' && fnTok.value !== 'all')) {
          this.error(`Expected function name \`any\` or \`all\`, found: ${fnTok.value || this.kindName(fnTok)}`);
        }
        this.next();
        this.expect('TokenTypeLeftParen');
        const right = this.identifier();
        const close = this.expect('TokenTypeRightParen');
        expr = { kind: 'arrow', left: expr, right: right.value, fn: fnTok.value === 'any' ? 'any' : 'all', start: t.start, end: close.end };
        continue;
      }
      return expr;
    }
  }

  // ---- caveats -------------------------------------------------------------------------

  private caveat(): CaveatNode {
    const start = this.next();
    this.sawDeclaration = true;
    const { name, span: nameSpan } = this.typePath();
    this.expect('TokenTypeLeftParen');
    const params: CaveatParamNode[] = [];
    if (!this.is('TokenTypeRightParen')) {
      params.push(this.caveatParam());
      while (this.is('TokenTypeComma')) {
        this.next();
        params.push(this.caveatParam());
      }
    }
    this.expect('TokenTypeRightParen');
    const open = this.expect('TokenTypeLeftBrace');
    let depth = 1;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'TokenTypeEOF') this.error('Unterminated caveat expression: expected `}`', t);
      if (t.kind === 'TokenTypeLeftBrace') depth++;
      if (t.kind === 'TokenTypeRightBrace' && --depth === 0) break;
      this.next();
    }
    const close = this.next();
    return {
      kind: 'caveat',
      name,
      nameSpan,
      comments: start.comments,
      params,
      expression: this.text.slice(open.end.offset, close.start.offset),
      expressionStart: open.end,
      ...this.span(start),
    };
  }

  private caveatParam(): CaveatParamNode {
    const name = this.identifier();
    const type = this.caveatType();
    return { kind: 'caveat_param', name: name.value, type, start: name.start, end: type.end };
  }

  private caveatType(): CaveatTypeNode {
    const name = this.identifier();
    const args: CaveatTypeNode[] = [];
    if (this.is('TokenTypeLessThan')) {
      const open = this.next();
      if (this.depth >= MAX_NESTING) this.error(`type is nested too deeply (more than ${MAX_NESTING} levels)`, open);
      this.depth++;
      try {
        args.push(this.caveatType());
        while (this.is('TokenTypeComma')) {
          this.next();
          args.push(this.caveatType());
        }
      } finally {
        this.depth--;
      }
      this.expect('TokenTypeGreaterThan');
    }
    return { kind: 'caveat_type', name: name.value, args, start: name.start, end: this.prev.end };
  }
}
