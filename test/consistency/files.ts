/** The validation files every consistency run covers: SpiceDB's shared conformance set and our example schemas. */
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CONFORMANCE_DIR = '/work/shared/conformance/spicedb';
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
