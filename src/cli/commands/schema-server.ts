/** `trellis schema read|write|diff`: the schema commands that talk to a server or datastore. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addBackendOptions, out, withBackend, type BackendOptions } from './backend.js';

function readSource(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

export function addSchemaServerCommands(schema: Command): void {
  addBackendOptions(schema.command('read').description('print the current schema')).action(async (opts: BackendOptions) => {
    const { text } = await withBackend(opts, (b) => b.readSchema());
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
  addBackendOptions(schema.command('write <file>').description("replace the schema with a .zed file ('-' for stdin)")).action(
    async (file: string, opts: BackendOptions) => {
      const text = readSource(file);
      const { writtenAt } = await withBackend(opts, (b) => b.writeSchema(text));
      out(writtenAt);
    },
  );
  addBackendOptions(schema.command('diff <file>').description('print what writing this schema would change')).action(
    async (file: string, opts: BackendOptions) => {
      const text = readSource(file);
      const lines = await withBackend(opts, (b) => b.diffSchema(text));
      for (const l of lines) out(l);
    },
  );
}
