/** Every schema of SpiceDB's consistency suite (and our example validation files) compiles cleanly. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDiagnostic } from '../../src/core/index.js';
import { compileSchema, printSchema } from '../../src/schema/index.js';

const CONFORMANCE = '/work/shared/conformance/spicedb';
const EXAMPLES = join(import.meta.dirname, '../../schema');

function schemaOf(path: string): string {
  const doc = parse(readFileSync(path, 'utf8')) as { schema?: string; schemaFile?: string };
  if (typeof doc.schemaFile === 'string') return readFileSync(join(dirname(path), doc.schemaFile), 'utf8');
  return doc.schema ?? '';
}

const files = [
  ...readdirSync(CONFORMANCE)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(CONFORMANCE, f)),
  ...readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(EXAMPLES, f)),
];

describe('conformance and example schemas', () => {
  it('finds the files', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });
  for (const file of files) {
    it(file.replace(/^.*\//, ''), () => {
      const text = schemaOf(file);
      const r = compileSchema(text, { source: file });
      expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
      expect(r.schema).toBeDefined();
      // The canonical print of every real-world schema compiles to itself.
      const printed = printSchema(r.schema!);
      const again = compileSchema(printed);
      expect(again.diagnostics.map(formatDiagnostic)).toEqual([]);
      expect(printSchema(again.schema!)).toBe(printed);
    });
  }
});
