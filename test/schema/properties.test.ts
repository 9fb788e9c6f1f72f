import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/core/index.js';
import { compileSchema, printSchema } from '../../src/schema/index.js';
import { schemaArb, structural } from './arbitraries.js';

const TOKENS = [
  'definition',
  'caveat',
  'relation',
  'permission',
  'use',
  'expiration',
  'self',
  'partial',
  'import',
  'with',
  'and',
  'nil',
  'user',
  'doc',
  'viewer',
  'a/b',
  '{',
  '}',
  '(',
  ')',
  ':',
  ';',
  '|',
  '+',
  '-',
  '&',
  '->',
  '.',
  'any',
  'all',
  '#',
  '...',
  '*',
  '=',
  ',',
  '<',
  '>',
  '"str',
  "'x'",
  '/*',
  '*/',
  '//',
  '/**',
  '\n',
  ' ',
  '\t',
  '@',
  'é',
  '0',
  'int',
  'list',
];

describe('compileSchema never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = compileSchema(s);
        if (!r.schema) expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        else expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        for (const d of r.diagnostics) expect(d.message).not.toMatch(/internal error/);
      }),
      { numRuns: 300 },
    );
  });
  it('on token soups, always answering with a schema or an error diagnostic', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), fc.constantFrom(' ', '\n', ''), (toks, sep) => {
        const r = compileSchema(toks.join(sep));
        if (!r.schema) expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        for (const d of r.diagnostics) {
          expect(d.start.line).toBeGreaterThanOrEqual(1);
          expect(d.start.column).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toMatch(/internal error/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('printer', () => {
  it('compile(print(m)) is structurally m, and print is idempotent', () => {
    fc.assert(
      fc.property(schemaArb, (m) => {
        const text = printSchema(m);
        const r = compileSchema(text);
        if (!r.schema) throw new Error(`${text}\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
        expect(structural(r.schema)).toEqual(structural(m));
        expect(printSchema(r.schema)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
