/**
 * The schema lexer. Produces every token up front (the parser needs arbitrary lookahead for
 * error recovery), with Go-style synthetic semicolons and the comments that precede each token.
 * Keywords are decided by the parser, because some (`expiration`, `and`, `self`, `partial`,
 * `import`) only become keywords after the matching `use` flag.
 */

export type TokenKind =
  | 'TokenTypeError'
  | 'TokenTypeSyntheticSemicolon'
  | 'TokenTypeEOF'
  | 'TokenTypeIdentifier'
  | 'TokenTypeStringLiteral'
  | 'TokenTypeLeftBrace'
  | 'TokenTypeRightBrace'
  | 'TokenTypeLeftParen'
  | 'TokenTypeRightParen'
  | 'TokenTypeLeftBracket'
  | 'TokenTypeRightBracket'
  | 'TokenTypePipe'
  | 'TokenTypePlus'
  | 'TokenTypeMinus'
  | 'TokenTypeAnd'
  | 'TokenTypeDiv'
  | 'TokenTypeEquals'
  | 'TokenTypeColon'
  | 'TokenTypeSemicolon'
  | 'TokenTypeRightArrow'
  | 'TokenTypeHash'
  | 'TokenTypeEllipsis'
  | 'TokenTypeStar'
  | 'TokenTypeQuestionMark'
  | 'TokenTypeConditionalOr'
  | 'TokenTypeConditionalAnd'
  | 'TokenTypeExclamationPoint'
  | 'TokenTypePeriod'
  | 'TokenTypeComma'
  | 'TokenTypePercent'
  | 'TokenTypeLessThan'
  | 'TokenTypeGreaterThan'
  | 'TokenTypeLessThanOrEqual'
  | 'TokenTypeGreaterThanOrEqual'
  | 'TokenTypeEqualEqual'
  | 'TokenTypeNotEqual';

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in Unicode code points. */
  readonly column: number;
  /** 0-based UTF-16 offset into the source text. */
  readonly offset: number;
}

export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly start: Position;
  readonly end: Position;
  /** Comments (`//`, `/* *\/`, `/** *\/`) between the previous significant token and this one. */
  readonly comments: readonly string[];
}

export interface LexError {
  readonly message: string;
  readonly start: Position;
  readonly end: Position;
  readonly snippet: string;
}

export interface LexResult {
  readonly tokens: readonly Token[];
  readonly errors: readonly LexError[];
}

/** After these a newline ends the statement (reference §2.1). */
const SYNTHETIC_PREDECESSORS = new Set<TokenKind>([
  'TokenTypeIdentifier',
  'TokenTypeRightBrace',
  'TokenTypeRightParen',
  'TokenTypeStar',
  'TokenTypeStringLiteral',
  // `relation r: group#...` at the end of a line must end the statement too.
  'TokenTypeEllipsis',
]);

const PUNCTUATION: readonly (readonly [string, TokenKind])[] = [
  ['...', 'TokenTypeEllipsis'],
  ['->', 'TokenTypeRightArrow'],
  ['||', 'TokenTypeConditionalOr'],
  ['&&', 'TokenTypeConditionalAnd'],
  ['<=', 'TokenTypeLessThanOrEqual'],
  ['>=', 'TokenTypeGreaterThanOrEqual'],
  ['==', 'TokenTypeEqualEqual'],
  ['!=', 'TokenTypeNotEqual'],
  ['{', 'TokenTypeLeftBrace'],
  ['}', 'TokenTypeRightBrace'],
  ['(', 'TokenTypeLeftParen'],
  [')', 'TokenTypeRightParen'],
  ['[', 'TokenTypeLeftBracket'],
  [']', 'TokenTypeRightBracket'],
  ['|', 'TokenTypePipe'],
  ['+', 'TokenTypePlus'],
  ['-', 'TokenTypeMinus'],
  ['&', 'TokenTypeAnd'],
  ['/', 'TokenTypeDiv'],
  ['=', 'TokenTypeEquals'],
  [':', 'TokenTypeColon'],
  [';', 'TokenTypeSemicolon'],
  ['#', 'TokenTypeHash'],
  ['*', 'TokenTypeStar'],
  ['?', 'TokenTypeQuestionMark'],
  ['!', 'TokenTypeExclamationPoint'],
  ['.', 'TokenTypePeriod'],
  [',', 'TokenTypeComma'],
  ['%', 'TokenTypePercent'],
  ['<', 'TokenTypeLessThan'],
  ['>', 'TokenTypeGreaterThan'],
];

const IDENT_CHAR = /[_\p{L}\p{N}]/u;

export function isIdentifierChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  // ASCII fast path; the Unicode classes only matter beyond it.
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
  return IDENT_CHAR.test(ch);
}

/** Go's `%#U` formatting of a rune, used in SpiceDB's lexer errors. */
function formatRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${ch}'`;
}

export function lex(text: string): LexResult {
  const tokens: Token[] = [];
  const errors: LexError[] = [];
  let offset = 0;
  let line = 1;
  let column = 1;
  let pendingComments: string[] = [];
  let lastKind: TokenKind | undefined;

  const pos = (): Position => ({ line, column, offset });
  const advance = (count: number): void => {
    // count is in UTF-16 units; columns are counted per code point.
    const end = offset + count;
    while (offset < end) {
      const cp = text.codePointAt(offset) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      if (text[offset] === '\n' || (text[offset] === '\r' && text[offset + 1] !== '\n')) {
        line++;
        column = 1;
      } else if (text[offset] !== '\r') {
        column++;
      }
      offset += width;
    }
  };
  const push = (kind: TokenKind, start: Position, value: string): void => {
    tokens.push({ kind, value, start, end: pos(), comments: pendingComments });
    pendingComments = [];
    lastKind = kind;
  };

  while (offset < text.length) {
    const ch = text[offset] as string;
    const start = pos();
    if (ch === ' ' || ch === '\t') {
      advance(1);
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      if (lastKind !== undefined && SYNTHETIC_PREDECESSORS.has(lastKind)) {
        advance(ch === '\r' && text[offset + 1] === '\n' ? 2 : 1);
        push('TokenTypeSyntheticSemicolon', start, '\n');
      } else {
        advance(ch === '\r' && text[offset + 1] === '\n' ? 2 : 1);
      }
      continue;
    }
    if (text.startsWith('//', offset)) {
      let end = offset;
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
      pendingComments.push(text.slice(offset, end));
      advance(end - offset);
      continue;
    }
    if (text.startsWith('/*', offset)) {
      const close = text.indexOf('*/', offset + 2);
      if (close < 0) {
        const snippet = text.slice(offset);
        advance(text.length - offset);
        errors.push({ message: 'Unterminated multiline comment', start, end: pos(), snippet });
        break;
      }
      pendingComments.push(normalizeBlockComment(text.slice(offset, close + 2)));
      advance(close + 2 - offset);
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = scanString(text, offset);
      if (end < 0) {
        let stop = offset;
        while (stop < text.length && text[stop] !== '\n' && text[stop] !== '\r') stop++;
        const snippet = text.slice(offset, stop);
        advance(stop - offset);
        errors.push({ message: 'Unterminated string', start, end: pos(), snippet });
        continue;
      }
      const value = text.slice(offset, end);
      advance(end - offset);
      push('TokenTypeStringLiteral', start, value);
      continue;
    }
    const cp = text.codePointAt(offset) ?? 0;
    const full = String.fromCodePoint(cp);
    if (isIdentifierChar(full)) {
      let end = offset;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code < 0x80) {
          if (!isIdentifierChar(text[end] as string)) break;
          end++;
          continue;
        }
        const c = String.fromCodePoint(text.codePointAt(end) ?? 0);
        if (!isIdentifierChar(c)) break;
        end += c.length;
      }
      const value = text.slice(offset, end);
      advance(end - offset);
      push('TokenTypeIdentifier', start, value);
      continue;
    }
    const punct = PUNCTUATION.find(([p]) => text.startsWith(p, offset));
    if (punct) {
      advance(punct[0].length);
      push(punct[1], start, punct[0]);
      continue;
    }
    advance(full.length);
    errors.push({ message: `unrecognized character at this location: ${formatRune(full)}`, start, end: pos(), snippet: full });
  }
  const eof = pos();
  tokens.push({ kind: 'TokenTypeEOF', value: '', start: eof, end: eof, comments: pendingComments });
  return { tokens, errors };
}

/** Returns the offset just past the closing quote, or -1 when unterminated. */
function scanString(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  const delim = triple ? quote.repeat(3) : quote;
  let i = start + delim.length;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (!triple && (c === '\n' || c === '\r')) return -1;
    if (text.startsWith(delim, i)) return i + delim.length;
    i++;
  }
  return -1;
}

/**
 * Block comments keep their text, but every line is trimmed, as SpiceDB stores them
 * (`/**\n* doc\n*\/`), so the comment reads the same wherever the definition was nested.
 */
export function normalizeBlockComment(raw: string): string {
  const lines = raw.split(/\r\n|\r|\n/);
  if (lines.length === 1) return raw;
  return lines.map((l) => l.trim()).join('\n');
}
