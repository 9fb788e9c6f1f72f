/**
 * Runs validation files the way `zed validate` and SpiceDB's development package do
 * (reference §3.3-3.5): load the schema and relationships into a fresh in-memory Trellis
 * (no quantization, dispatch depth 25), check every assertion, and compare every
 * `validation:` key with the full recursive expansion. Failures carry SpiceDB's messages.
 */
import { Trellis } from '../api/embedded/index.js';
import { SchemaParseError, SchemaTypeError, isTrellisError } from '../core/index.js';
import type { Diagnostic } from '../core/index.js';
import type { Consistency, ExpandedSubject, Permissionship } from '../engine/index.js';
import { formatExpectedSubjectRef, formatObjectAndRelation, formatSubjectOnr } from './expected-relations.js';
import { loadValidationFile } from './load-validation-file.js';
import type {
  Assertion,
  AssertionKind,
  ExpectedRelations,
  RelationshipLine,
  SchemaSource,
  SourceLocation,
  ValidationFile,
  ValidationProblem,
} from './types.js';

/** Dispatch depth of SpiceDB's development mode. */
export const DEV_MAX_DEPTH = 25;
/** SpiceDB's loader writes relationships in chunks of this many TOUCHes. */
const WRITE_CHUNK = 500;
const FULLY_CONSISTENT: Consistency = { kind: 'fully_consistent' };

export interface FileReport {
  readonly path: string;
  readonly problems: readonly ValidationProblem[];
  readonly relationships: number;
  readonly assertions: number;
  readonly validations: number;
}

export interface RunOptions {
  /** Datastore for the run (default `memory`); tests use others to compare backends. */
  readonly datastore?: string;
  readonly maxDepth?: number;
}

const EXPECTED: Record<AssertionKind, { permissionship: Permissionship; message: string }> = {
  assertTrue: { permissionship: 'has_permission', message: 'Expected relation or permission %s to exist' },
  assertCaveated: { permissionship: 'conditional_permission', message: 'Expected relation or permission %s to be caveated' },
  assertFalse: { permissionship: 'no_permission', message: 'Expected relation or permission %s to not exist' },
};

/** A schema source placed at `startLine` of the text that was compiled (several files concatenate). */
interface SchemaSegment {
  readonly src: SchemaSource;
  readonly startLine: number;
}

function schemaLocation(segments: readonly SchemaSegment[], line: number, column: number): SourceLocation {
  let seg = segments[0]!;
  for (const s of segments) if (s.startLine <= line) seg = s;
  const local = line - seg.startLine + 1;
  const { src } = seg;
  return {
    file: src.origin.file,
    line: src.origin.line + local - 1,
    column: local === 1 ? src.origin.column + column - 1 : column + src.indent,
  };
}

/** Maps schema compile errors to file positions. */
function schemaProblems(segments: readonly SchemaSegment[], e: SchemaParseError | SchemaTypeError): ValidationProblem[] {
  if (e instanceof SchemaParseError) {
    return e.diagnostics
      .filter((d: Diagnostic) => d.severity === 'error')
      .map((d) => ({
        at: schemaLocation(segments, d.start.line, d.start.column),
        kind: 'schema' as const,
        message: `error in schema: ${d.message}`,
      }));
  }
  const pos = e.position ?? { line: 1, column: 1 };
  return [{ at: schemaLocation(segments, pos.line, pos.column), kind: 'schema', message: `error in schema: ${e.message}` }];
}

/**
 * Loads the files' schemas (concatenated) and relationships (merged, TOUCH) into `trellis`,
 * as SpiceDB's PopulateFromFiles does. Returns the problems; empty means loaded.
 */
export async function populateFromFiles(trellis: Trellis, files: readonly ValidationFile[]): Promise<ValidationProblem[]> {
  const withSchema = files.filter((f) => f.schema !== undefined);
  if (withSchema.length === 0) {
    const path = files[0]?.path ?? '<none>';
    return [{ at: { file: path, line: 1, column: 1 }, kind: 'schema', message: 'no schema was given: set `schema` or `schemaFile`' }];
  }
  const segments: SchemaSegment[] = [];
  let nextLine = 1;
  for (const f of withSchema) {
    segments.push({ src: f.schema!, startLine: nextLine });
    nextLine += f.schema!.text.split('\n').length + 1;
  }
  try {
    await trellis.writeSchema(withSchema.map((f) => f.schema!.text).join('\n\n'));
  } catch (e) {
    if (e instanceof SchemaParseError || e instanceof SchemaTypeError) return schemaProblems(segments, e);
    throw e;
  }
  const lines = files.flatMap((f) => f.relationships);
  const problems: ValidationProblem[] = [];
  for (let i = 0; i < lines.length; i += WRITE_CHUNK) {
    const chunk = lines.slice(i, i + WRITE_CHUNK);
    try {
      await trellis.write({ updates: chunk.map((l) => ({ operation: 'touch' as const, relationship: l.relationship })) });
    } catch (e) {
      if (!isTrellisError(e)) throw e;
      problems.push(...(await pinpoint(trellis, chunk)));
    }
  }
  return problems;
}

/** After a chunk failed, writes its lines one by one to name each offending line. */
async function pinpoint(trellis: Trellis, chunk: readonly RelationshipLine[]): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const line of chunk) {
    try {
      await trellis.write({ updates: [{ operation: 'touch', relationship: line.relationship }] });
    } catch (e) {
      if (!isTrellisError(e)) throw e;
      problems.push({ at: line.at, kind: 'relationship', message: `error in relationship \`${line.text}\`: ${e.message}` });
    }
  }
  return problems;
}

export async function runAssertions(trellis: Trellis, assertions: readonly Assertion[]): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const a of assertions) {
    const r = a.relationship;
    if (r.caveat) {
      problems.push({ at: a.at, kind: 'assertion', message: `cannot specify a caveat on an assertion: \`${a.text}\`` });
      continue;
    }
    try {
      const result = await trellis.check({
        resource: r.resource,
        permission: r.relation,
        subject: r.subject,
        ...(a.context ? { context: a.context } : {}),
        consistency: FULLY_CONSISTENT,
      });
      const want = EXPECTED[a.kind];
      if (result.permissionship !== want.permissionship) {
        problems.push({ at: a.at, kind: 'assertion', message: want.message.replace('%s', a.text) });
      }
    } catch (e) {
      if (!isTrellisError(e)) throw e;
      problems.push({ at: a.at, kind: 'assertion', message: `error checking \`${a.text}\`: ${e.message}` });
    }
  }
  return problems;
}

function wrapSorted(strings: readonly string[]): string[] {
  return strings.map((s) => `<${s}>`).sort();
}

function sameSorted(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** SpiceDB's validateSubjects (pkg/development/validation.go), message for message. */
export function compareExpected(expected: ExpectedRelations, found: readonly ExpandedSubject[]): ValidationProblem[] {
  const onr = formatObjectAndRelation(expected.key);
  const problems: ValidationProblem[] = [];
  const byKey = new Map(found.map((f) => [formatSubjectOnr(f.subject), f]));
  const encountered = new Set<string>();
  for (const entry of expected.entries) {
    const fail = (message: string): void => {
      problems.push({ at: entry.at, kind: 'validation', message: `For object and permission/relation \`${onr}\`, ${message}` });
    };
    const want = entry.subject;
    if (!want) {
      fail(`no expected subject specified in \`${entry.text}\``);
      continue;
    }
    const key = formatSubjectOnr(want.subject);
    encountered.add(key);
    const got = byKey.get(key);
    if (!got) {
      fail(`missing expected subject \`${key}\``);
      continue;
    }
    const expectedOnrs = entry.resources.map(formatObjectAndRelation);
    const foundOnrs = got.parents;
    if (!sameSorted(expectedOnrs, foundOnrs)) {
      fail(
        `found different relationships for subject \`${key}\`: Specified: \`${wrapSorted(expectedOnrs).join('/')}\`, Computed: \`${wrapSorted(foundOnrs).join('/')}\``,
      );
    }
    if (got.subject.id === '*') {
      const wantEx = want.exceptions.map(formatExpectedSubjectRef);
      const gotEx = got.excluded.map(formatExpectedSubjectRef);
      if (!sameSorted(wantEx, gotEx)) {
        fail(
          `found different excluded subjects for subject \`${key}\`: Specified: \`${wrapSorted(wantEx).join(', ')}\`, Computed: \`${wrapSorted(gotEx).join(', ')}\``,
        );
      }
    } else if (want.exceptions.length > 0) {
      fail('found unexpected excluded subjects');
    }
    if (got.caveated !== want.caveated) fail('found caveat mismatch');
  }
  for (const f of found) {
    const key = formatSubjectOnr(f.subject);
    if (!encountered.has(key)) {
      problems.push({
        at: expected.at,
        kind: 'validation',
        message: `For object and permission/relation \`${onr}\`, subject \`${key}\` found but missing from specified`,
      });
    }
  }
  return problems;
}

export async function runExpectedRelations(trellis: Trellis, validation: readonly ExpectedRelations[]): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const expected of validation) {
    let found: ExpandedSubject[];
    try {
      found = await trellis.expandSubjects(expected.key.object, expected.key.relation, FULLY_CONSISTENT);
    } catch (e) {
      if (!isTrellisError(e)) throw e;
      problems.push({
        at: expected.at,
        kind: 'validation',
        message: `error expanding \`${formatObjectAndRelation(expected.key)}\`: ${e.message}`,
      });
      continue;
    }
    problems.push(...compareExpected(expected, found));
  }
  return problems;
}

/** Runs one parsed file in a fresh store. */
export async function runValidationFile(file: ValidationFile, options: RunOptions = {}): Promise<ValidationProblem[]> {
  const trellis = await Trellis.open({
    datastore: options.datastore ?? 'memory',
    quantizationMs: 0,
    gcIntervalMs: 0,
    maxDepth: options.maxDepth ?? DEV_MAX_DEPTH,
  });
  try {
    const loadProblems = await populateFromFiles(trellis, [file]);
    if (loadProblems.length > 0) return loadProblems;
    return [...(await runAssertions(trellis, file.assertions)), ...(await runExpectedRelations(trellis, file.validation))];
  } finally {
    await trellis.close();
  }
}

/** Loads and runs one file from disk. */
export async function validateFile(path: string, options: RunOptions = {}): Promise<FileReport> {
  const parsed = await loadValidationFile(path);
  const file = parsed.file;
  if (!file) return { path, problems: parsed.problems, relationships: 0, assertions: 0, validations: 0 };
  const problems = await runValidationFile(file, options);
  return {
    path,
    problems,
    relationships: file.relationships.length,
    assertions: file.assertions.length,
    validations: file.validation.length,
  };
}

/** `FILE:LINE: message`, the one-line form `trellis validate` prints. */
export function formatProblem(p: ValidationProblem): string {
  return `${p.at.file}:${p.at.line}: ${p.message}`;
}
