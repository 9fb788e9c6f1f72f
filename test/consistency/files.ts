/** The validation files every consistency run covers: SpiceDB's shared conformance set and our example schemas. */
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `shared/` beside the checkout (where CI lays it), else this workplace's copy. */
export const CONFORMANCE_DIR =
  [resolve(import.meta.dirname, '../../../shared/conformance/spicedb'), '/work/shared/conformance/spicedb'].find((dir) =>
    existsSync(dir),
  ) ?? '/work/shared/conformance/spicedb';
export const EXAMPLES_DIR = resolve(import.meta.dirname, '../../schema');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export const conformanceFiles = (): string[] => yamlFiles(CONFORMANCE_DIR);
export const exampleFiles = (): string[] => yamlFiles(EXAMPLES_DIR);
export const allValidationFiles = (): string[] => [...conformanceFiles(), ...exampleFiles()];
