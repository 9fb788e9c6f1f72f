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
