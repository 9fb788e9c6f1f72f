/** The registry of CLI commands: one `register*` function per command module. */
import type { Command } from 'commander';
import { registerVersion } from './version.js';
import { registerValidate } from './validate.js';
import { registerSchemaCommands } from './schema.js';
import { registerServerCommands } from './server-commands.js';

export function registerCommands(program: Command): void {
  registerVersion(program);
  registerValidate(program);
  registerSchemaCommands(program);
  registerServerCommands(program);
}
