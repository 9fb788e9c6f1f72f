/** SpiceDB validation files: parsing with positions, loading into a Trellis, and running assertions and expected relations. */
export * from './types.js';
export { parseValidationFile } from './parse-validation-file.js';
export type { ParseResult } from './parse-validation-file.js';
export { loadValidationFile } from './load-validation-file.js';
export {
  formatExpectedEntry,
  formatExpectedSubject,
  formatObjectAndRelation,
  formatSubjectOnr,
  parseExpectedEntry,
  parseExpectedSubject,
  parseObjectAndRelation,
} from './expected-relations.js';
export {
  DEV_MAX_DEPTH,
  compareExpected,
  formatProblem,
  populateFromFiles,
  runAssertions,
  runExpectedRelations,
  runValidationFile,
  validateFile,
} from './run-validation.js';
export type { FileReport, RunOptions } from './run-validation.js';
