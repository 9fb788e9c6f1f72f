/**
 * The `trellis` command line. Each command lives in ./commands/<name>.ts and registers
 * itself through ./commands/index.ts; this file only wires the program and maps errors to
 * one clear line on stderr and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('trellis')
    .description('Trellis: a Zanzibar-style authorization database compatible with SpiceDB')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed the message (or help / version output).
      return e.exitCode;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
