import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { formatProblem, validateFile } from '../../src/validationfile/index.js';
import { allValidationFiles } from './files.js';

describe('every shared validation file passes `trellis validate`', () => {
  for (const path of allValidationFiles()) {
    it(basename(path), async () => {
      const report = await validateFile(path);
      expect(report.problems.map(formatProblem)).toEqual([]);
    });
  }
});

describe('trellis validate over all of them at once', () => {
  it('exits 0 and reports every file ok', async () => {
    const { runValidate } = await import('../../src/cli/commands/validate.js');
    const out: string[] = [];
    const err: string[] = [];
    const files = allValidationFiles();
    const code = await runValidate(files, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.at(-1)).toBe(`all ${files.length} files passed`);
  });
});
