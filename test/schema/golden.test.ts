/**
 * Golden files: each test/schema/golden/<name>.zed has <name>.expected holding the compiler's
 * diagnostics (with positions), the parse tree, and the canonical print when it compiles.
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/schema`.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/core/index.js';
import { compileSchema, parseSchema, printSchema } from '../../src/schema/index.js';
import { dumpAst } from './ast-dump.js';

const dir = join(import.meta.dirname, 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';

export function goldenOutput(name: string, text: string): string {
  const source = `${name}.zed`;
  const parsed = parseSchema(text, source);
  const compiled = compileSchema(text, { source });
  const out: string[] = ['== diagnostics =='];
  for (const d of compiled.diagnostics) {
    const end = d.end ? ` (to ${d.end.line}:${d.end.column})` : '';
    out.push(`[${d.category}${d.definition ? ` in ${d.definition}` : ''}] ${formatDiagnostic(d)}${end}`);
  }
  if (compiled.diagnostics.length === 0) out.push('(none)');
  out.push('== ast ==', dumpAst(parsed.ast));
  if (compiled.schema) out.push('== printed ==', printSchema(compiled.schema).trimEnd());
  return `${out.join('\n')}\n`;
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.zed'))
  .sort();

describe('schema golden files', () => {
  it('has a broad set of cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });
  for (const file of files) {
    const name = file.slice(0, -'.zed'.length);
    it(name, () => {
      const actual = goldenOutput(name, readFileSync(join(dir, file), 'utf8'));
      const expectedPath = join(dir, `${name}.expected`);
      if (update) writeFileSync(expectedPath, actual);
      expect(existsSync(expectedPath), `${name}.expected is missing; run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
    });
  }
});
