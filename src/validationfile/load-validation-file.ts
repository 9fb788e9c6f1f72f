/** Reads a validation file from disk and resolves its `schemaFile:` (which must stay inside the file's folder). */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { parseValidationFile } from './parse-validation-file.js';
import type { ParseResult } from './parse-validation-file.js';

/** Go's filepath.IsLocal: relative, non-empty, and never climbing out of its folder. */
function isLocalPath(p: string): boolean {
  if (p.length === 0 || isAbsolute(p)) return false;
  const n = normalize(p);
  return n !== '..' && !n.startsWith('../') && !n.startsWith('..\\');
}

export async function loadValidationFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { problems: [{ at: { file: path, line: 1, column: 1 }, kind: 'yaml', message: `cannot read file: ${(e as Error).message}` }] };
  }
  const parsed = parseValidationFile(text, path);
  const file = parsed.file;
  if (!file?.schemaFile) return parsed;
  const ref = file.schemaFile;
  if (!isLocalPath(ref.path)) {
    return { problems: [{ at: ref.at, kind: 'schema', message: `schema file ${JSON.stringify(ref.path)} is not local` }] };
  }
  const schemaPath = join(dirname(path), ref.path);
  let schemaText: string;
  try {
    schemaText = await readFile(schemaPath, 'utf8');
  } catch (e) {
    return {
      problems: [{ at: ref.at, kind: 'schema', message: `cannot read schema file ${JSON.stringify(ref.path)}: ${(e as Error).message}` }],
    };
  }
  return { file: { ...file, schema: { text: schemaText, origin: { file: schemaPath, line: 1, column: 1 }, indent: 0 } }, problems: [] };
}
