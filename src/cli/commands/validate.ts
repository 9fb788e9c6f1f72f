/** `trellis validate FILE...`: runs SpiceDB validation files and prints each failure as `FILE:LINE: message`. */
import type { Command } from 'commander';
import { DEV_MAX_DEPTH, formatProblem, validateFile } from '../../validationfile/index.js';

export interface ValidateIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export interface ValidateCommandOptions {
  readonly maxDepth?: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs every file (each in its own fresh in-memory store) and returns the exit code: 0 only when all pass. */
export async function runValidate(files: readonly string[], io: ValidateIo, options: ValidateCommandOptions = {}): Promise<number> {
  let failed = 0;
  for (const path of files) {
    const report = await validateFile(path, { maxDepth: options.maxDepth ?? DEV_MAX_DEPTH });
    for (const p of report.problems) io.stderr(formatProblem(p));
    const counts = `${plural(report.relationships, 'relationship')}, ${plural(report.assertions, 'assertion')}, ${plural(report.validations, 'expected relation')}`;
    if (report.problems.length === 0) {
      io.stdout(`${path}: ok (${counts})`);
    } else {
      failed++;
      io.stdout(`${path}: ${plural(report.problems.length, 'failure')} (${counts})`);
    }
  }
  if (files.length > 1) io.stdout(failed === 0 ? `all ${files.length} files passed` : `${failed} of ${files.length} files failed`);
  return failed === 0 ? 0 : 1;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('run SpiceDB validation files (schema, relationships, assertions, expected relations) against an in-memory store')
    .argument('<files...>', 'validation YAML files')
    .option('--max-depth <n>', 'dispatch depth limit', (v) => Number.parseInt(v, 10), DEV_MAX_DEPTH)
    .action(async (files: string[], opts: { maxDepth: number }) => {
      const code = await runValidate(
        files,
        { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) },
        { maxDepth: opts.maxDepth },
      );
      if (code !== 0) process.exitCode = code;
    });
}
