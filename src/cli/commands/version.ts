/** `trellis version`: prints the version of this build. */
import type { Command } from 'commander';
import { VERSION } from '../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the Trellis version')
    .action(() => {
      process.stdout.write(`trellis ${VERSION}\n`);
    });
}
