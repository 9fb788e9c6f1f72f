/**
 * `trellis schema check FILE...` and `trellis schema format FILE`. A file is a `.zed` schema or a
 * validation YAML (its `schema:` or `schemaFile:`); diagnostics name the file they point into,
 * with YAML line numbers for inline schemas. Other schema subcommands (read, write, diff) attach
 * to the same `schema` command through `schemaCommand(program)`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../../core/index.js';
import { compileSchema, printSchema, type Schema } from '../../schema/index.js';
import { formatProblem, parseValidationFile } from '../../validationfile/index.js';

export interface SchemaIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: SchemaIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

interface Loaded {
  readonly schema?: Schema;
  /** Formatted problems: schema diagnostics, or YAML / file errors. */
  readonly messages: readonly string[];
  readonly ok: boolean;
}

function isYaml(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

function shift(d: Diagnostic, source: string, lineOffset: number, indent: number): Diagnostic {
  return {
    ...d,
    source,
    start: { line: d.start.line + lineOffset, column: d.start.column + indent },
    ...(d.end ? { end: { line: d.end.line + lineOffset, column: d.end.column + indent } } : {}),
  };
}

function fromCompile(text: string, source: string, lineOffset = 0, indent = 0): Loaded {
  const r = compileSchema(text, { source });
  const diagnostics = r.diagnostics.map((d) => shift(d, source, lineOffset, indent));
  return {
    ...(r.schema ? { schema: r.schema } : {}),
    messages: diagnostics.map(formatDiagnostic),
    ok: diagnostics.every((d) => d.severity !== 'error'),
  };
}

/** Compiles the schema a file holds; never throws for a problem in the file itself. */
export async function loadSchemaFile(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { messages: [`error: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`], ok: false };
  }
  if (!isYaml(path)) return fromCompile(text, path);

  const parsed = parseValidationFile(text, path);
  if (!parsed.file) return { messages: parsed.problems.map(formatProblem), ok: false };
  const file = parsed.file;
  if (file.schemaFile) {
    const target = file.schemaFile.path;
    const rel = normalize(target);
    if (isAbsolute(rel) || rel.startsWith('..')) {
      return { messages: [`${path}:${file.schemaFile.at.line}: schema file "${target}" is not local`], ok: false };
    }
    const zedPath = join(dirname(path), rel);
    try {
      return fromCompile(await readFile(zedPath, 'utf8'), relative(process.cwd(), zedPath) || zedPath);
    } catch (e) {
      return {
        messages: [`${path}:${file.schemaFile.at.line}: cannot read schema file ${target}: ${e instanceof Error ? e.message : String(e)}`],
        ok: false,
      };
    }
  }
  if (file.schema) return fromCompile(file.schema.text, path, file.schema.origin.line - 1, file.schema.indent);
  return { messages: [`${path}: no \`schema\` or \`schemaFile\` key`], ok: false };
}

/** Returns the exit code: 1 when any file has an error. */
export async function runSchemaCheck(files: readonly string[], io: SchemaIo = processIo): Promise<number> {
  let failed = 0;
  for (const path of files) {
    const loaded = await loadSchemaFile(path);
    for (const m of loaded.messages) io.stdout(`${m}\n`);
    if (!loaded.ok) failed++;
    else if (loaded.messages.length === 0) io.stdout(`${path}: ok\n`);
  }
  return failed === 0 ? 0 : 1;
}

export async function runSchemaFormat(path: string, io: SchemaIo = processIo): Promise<number> {
  const loaded = await loadSchemaFile(path);
  if (!loaded.schema) {
    for (const m of loaded.messages) io.stderr(`${m}\n`);
    return 1;
  }
  io.stdout(printSchema(loaded.schema));
  return 0;
}

/** The `schema` command, created on first use so several modules can add subcommands to it. */
export function schemaCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'schema') ?? program.command('schema').description('check, format and manage schemas');
}

export function registerSchemaCommands(program: Command): Command {
  const schema = schemaCommand(program);
  schema
    .command('check')
    .description('compile schema files (.zed or validation YAML) and print their diagnostics')
    .argument('<files...>', '.zed schemas or validation YAML files')
    .action(async (files: string[]) => {
      const code = await runSchemaCheck(files);
      if (code !== 0) process.exitCode = code;
    });
  schema
    .command('format')
    .description('print the canonical form of a schema')
    .argument('<file>', 'a .zed schema or a validation YAML file')
    .action(async (file: string) => {
      const code = await runSchemaFormat(file);
      if (code !== 0) process.exitCode = code;
    });
  return schema;
}
