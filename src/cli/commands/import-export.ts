/**
 * `trellis import FILE` and `trellis export`: relationships (and the schema) in validation-file
 * YAML (`schema:` and `relationships:` keys, as zed and the Playground write them) or JSONL
 * (one `{"relationship":"<text form>"}` per line).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { InvalidArgumentError, formatRelationship, parseRelationship, type Relationship } from '../../core/index.js';
import { addBackendOptions, CLI_CONSISTENCY, out, withBackend, type BackendOptions } from './backend.js';

const BATCH = 1000;

function lineError(file: string, line: number, e: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${file}:${line}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Relationships of a file, with their line numbers for error messages. */
export function readImportFile(file: string, text: string): { schema?: string; relationships: Relationship[] } {
  const relationships: Relationship[] = [];
  if (file.endsWith('.jsonl') || file.endsWith('.ndjson')) {
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      try {
        const v: unknown = JSON.parse(line);
        const rel =
          typeof v === 'string'
            ? v
            : typeof v === 'object' && v !== null && 'relationship' in v
              ? (v as { relationship: unknown }).relationship
              : undefined;
        if (typeof rel !== 'string') throw new Error('expected {"relationship": "<text form>"} or a JSON string');
        relationships.push(parseRelationship(rel));
      } catch (e) {
        throw lineError(file, i + 1, e);
      }
    });
    return { relationships };
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InvalidArgumentError(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object')
    throw new InvalidArgumentError(`${file}: expected a validation file with \`schema\` and \`relationships\``);
  const d = doc as { schema?: unknown; relationships?: unknown };
  if (d.schema !== undefined && typeof d.schema !== 'string') throw new InvalidArgumentError(`${file}: \`schema\` must be a string`);
  if (d.relationships !== undefined && typeof d.relationships !== 'string')
    throw new InvalidArgumentError(`${file}: \`relationships\` must be a string`);
  const relText = d.relationships ?? '';
  // Line numbers are counted inside the `relationships` block, which is what zed reports too.
  relText.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) return;
    try {
      relationships.push(parseRelationship(line));
    } catch (e) {
      throw lineError(`${file} (relationships)`, i + 1, e);
    }
  });
  return { ...(d.schema !== undefined ? { schema: d.schema } : {}), relationships };
}

async function* batches(rels: readonly Relationship[]): AsyncIterable<readonly Relationship[]> {
  for (let i = 0; i < rels.length; i += BATCH) yield rels.slice(i, i + BATCH);
}

export function registerImportExport(program: Command): void {
  addBackendOptions(
    program
      .command('import <file>')
      .description('import relationships (and the schema, if the file has one) from validation YAML or JSONL, in one transaction')
      .option('--no-schema', "don't write the file's schema"),
  ).action(async (file: string, opts: BackendOptions & { schema: boolean }) => {
    const { schema, relationships } = readImportFile(file, readFileSync(file, 'utf8'));
    await withBackend(opts, async (b) => {
      if (schema !== undefined && opts.schema) await b.writeSchema(schema);
      const { loaded } = await b.importRelationships(batches(relationships));
      out(`imported ${loaded} relationships${schema !== undefined && opts.schema ? ' and the schema' : ''}`);
    });
  });

  addBackendOptions(
    program
      .command('export')
      .description('export the schema and every relationship')
      .option('--format <format>', 'yaml (validation file) or jsonl', 'yaml')
      .option('--output <file>', 'write to a file instead of stdout'),
  ).action(async (opts: BackendOptions & { format: string; output?: string }) => {
    if (opts.format !== 'yaml' && opts.format !== 'jsonl')
      throw new InvalidArgumentError(`unknown --format \`${opts.format}\`: use yaml or jsonl`);
    const sink: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
    // Relationships are streamed page by page, never collected, so exports of any size fit in memory.
    const write = (text: string): Promise<void> | undefined =>
      sink.write(text) ? undefined : new Promise<void>((resolve) => sink.once('drain', () => resolve()));
    await withBackend(opts, async (b) => {
      let first = true;
      if (opts.format === 'yaml') {
        const schema = (await b.readSchema()).text;
        await write(stringifyYaml({ schema }, { blockQuote: 'literal', lineWidth: 0 }));
      }
      for await (const page of b.exportRelationships({ consistency: CLI_CONSISTENCY })) {
        for (const r of page.relationships) {
          const line = formatRelationship(r);
          if (opts.format === 'jsonl') {
            await write(`${JSON.stringify({ relationship: line })}\n`);
          } else {
            if (first) await write('relationships: |\n');
            await write(`  ${line}\n`);
          }
          first = false;
        }
      }
      if (opts.format === 'yaml' && first) await write('relationships: ""\n');
    });
    if (opts.output) await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
  });
}
