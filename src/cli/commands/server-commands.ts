/** Registers the server and data commands: serve, serve-testing, schema read|write|diff, relationship, check, expand, lookups, import, export. */
import type { Command } from 'commander';
import { registerCheck } from './check.js';
import { registerImportExport } from './import-export.js';
import { registerRelationship } from './relationship.js';
import { schemaCommand } from './schema.js';
import { addSchemaServerCommands } from './schema-server.js';
import { registerServe } from './serve.js';
import { registerServeTesting } from './serve-testing.js';

export function registerServerCommands(program: Command): void {
  addSchemaServerCommands(schemaCommand(program));
  registerRelationship(program);
  registerCheck(program);
  registerImportExport(program);
  registerServe(program);
  registerServeTesting(program);
}
