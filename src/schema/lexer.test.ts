import { describe, expect, it } from 'vitest';
import { lex } from './lexer.js';
import { schemaHash } from './index.js';

const kinds = (text: string) => lex(text).tokens.map((t) => (t.kind === 'TokenTypeIdentifier' ? t.value : t.kind.replace('TokenType', '')));

describe('lex', () => {
  it('ends statements at newlines after identifiers, `}`, `)`, `*` and `...`, not after operators', () => {
    expect(kinds('a\nb +\nc )\n* \n}\n#...\n|\n')).toEqual([
      'a',
      'SyntheticSemicolon',
      'b',
      'Plus',
      'c',
      'RightParen',
      'SyntheticSemicolon',
      'Star',
      'SyntheticSemicolon',
      'RightBrace',
      'SyntheticSemicolon',
      'Hash',
      'Ellipsis',
      'SyntheticSemicolon',
      'Pipe',
      'EOF',
    ]);
  });

  it('keeps comments for the next token, and a trailing comment does not swallow the statement end', () => {
    const { tokens } = lex('// one\n/* two */ /** three\n   * more\n   */ x // four\ny');
    expect(tokens.map((t) => [t.value, t.comments])).toEqual([
      ['x', ['// one', '/* two */', '/** three\n* more\n*/']],
      ['\n', ['// four']],
      ['y', []],
      ['', []],
    ]);
  });

  it('lexes CEL tokens, strings with escapes and triple quotes, and Unicode identifiers', () => {
    expect(kinds(`a.b(c) >= 1 && d != 'x\\'}' || !e[0] ? """q"}""" : é`)).toEqual([
      'a',
      'Period',
      'b',
      'LeftParen',
      'c',
      'RightParen',
      'GreaterThanOrEqual',
      '1',
      'ConditionalAnd',
      'd',
      'NotEqual',
      'StringLiteral',
      'ConditionalOr',
      'ExclamationPoint',
      'e',
      'LeftBracket',
      '0',
      'RightBracket',
      'QuestionMark',
      'StringLiteral',
      'Colon',
      'é',
      'EOF',
    ]);
  });

  it('reports bad characters and unterminated comments and strings with positions, and keeps going', () => {
    const r = lex('a @ b\n"open\n/* never');
    expect(r.errors.map((e) => [e.message, e.start.line, e.start.column])).toEqual([
      ["unrecognized character at this location: U+0040 '@'", 1, 3],
      ['Unterminated string', 2, 1],
      ['Unterminated multiline comment', 3, 1],
    ]);
    expect(r.tokens.map((t) => t.value)).toEqual(['a', 'b', '\n', '']);
  });

  it('counts columns in code points', () => {
    const t = lex('𝒳 y').tokens[1];
    expect([t?.value, t?.start.column]).toEqual(['y', 3]);
  });
});

describe('schemaHash', () => {
  it('is the sha256 hex of the text', () => {
    expect(schemaHash('definition user {}')).toBe('5e0391289cada7ba735ab31c8c9e3bfc1559303f6e9e72affb2f2cdead3c05de');
  });
});
