/** `trellis check`, `trellis expand`, `trellis lookup-resources`, `trellis lookup-subjects`. */
import type { Command } from 'commander';
import {
  InvalidArgumentError,
  formatObject,
  formatRelationship,
  formatSubject,
  parseObjectRef,
  parseSubjectRef,
  type JsonObject,
} from '../../core/index.js';
import type { CheckTrace, ExpandTree } from '../../engine/index.js';
import { addBackendOptions, CLI_CONSISTENCY, out, withBackend, type BackendOptions } from './backend.js';

export function parseContext(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`--context is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('--context must be a JSON object');
  return v as JsonObject;
}

const RESULT_TEXT = { has_permission: 'true', no_permission: 'false', conditional_permission: 'caveated' } as const;

export function formatTrace(t: CheckTrace, indent = ''): string[] {
  const mark = t.result === 'has_permission' ? '✓' : t.result === 'conditional_permission' ? '?' : '⨉';
  let line = `${indent}${mark} ${formatObject(t.resource)} ${t.permission} (${t.permissionType})`;
  if (t.caveat)
    line += ` [${t.caveat.name}: ${t.caveat.result}${t.caveat.missing?.length ? `, missing ${t.caveat.missing.join(', ')}` : ''}]`;
  if (t.wasCached) line += ' (cached)';
  const lines = [line];
  for (const r of t.relationships ?? []) lines.push(`${indent}  └ ${formatRelationship(r)}`);
  for (const c of t.children) lines.push(...formatTrace(c, `${indent}  `));
  return lines;
}

export function formatTree(t: ExpandTree, indent = ''): string[] {
  const head = `${indent}${formatObject(t.expanded)}#${t.relation}`;
  if (t.kind === 'leaf') {
    return [head, ...t.subjects.map((s) => `${indent}  ${formatSubject(s)}${s.caveated ? ' [caveated]' : ''}`)];
  }
  return [`${head} (${t.operation})`, ...t.children.flatMap((c) => formatTree(c, `${indent}  `))];
}

interface CheckOpts extends BackendOptions {
  explain?: boolean;
  context?: string;
  errorOnNoPermission?: boolean;
}

export function registerCheck(program: Command): void {
  addBackendOptions(
    program
      .command('check <resource> <permission> <subject>')
      .description('check whether a subject has a permission: prints true, false or caveated')
      .option('--explain', 'print the evaluation trace')
      .option('--context <json>', 'caveat context as a JSON object')
      .option('--error-on-no-permission', 'exit with status 1 unless the result is true'),
  ).action(async (resource: string, permission: string, subject: string, opts: CheckOpts) => {
    const context = parseContext(opts.context);
    const r = await withBackend(opts, (b) =>
      b.check({
        resource: parseObjectRef(resource),
        permission,
        subject: parseSubjectRef(subject),
        consistency: CLI_CONSISTENCY,
        ...(context ? { context } : {}),
        ...(opts.explain ? { trace: true } : {}),
      }),
    );
    out(RESULT_TEXT[r.permissionship] + (r.missingContext?.length ? ` (missing context: ${r.missingContext.join(', ')})` : ''));
    if (opts.explain && r.trace) for (const l of formatTrace(r.trace)) out(l);
    if (opts.errorOnNoPermission && r.permissionship !== 'has_permission') process.exitCode = 1;
  });

  addBackendOptions(
    program.command('expand <resource> <permission>').description('print the (one-level) userset tree of a permission'),
  ).action(async (resource: string, permission: string, opts: BackendOptions) => {
    const r = await withBackend(opts, (b) => b.expand({ resource: parseObjectRef(resource), permission, consistency: CLI_CONSISTENCY }));
    for (const l of formatTree(r.tree)) out(l);
  });

  addBackendOptions(
    program
      .command('lookup-resources <resource-type> <permission> <subject>')
      .description('print the ids of resources of a type on which the subject has the permission')
      .option('--context <json>', 'caveat context as a JSON object'),
  ).action(async (resourceType: string, permission: string, subject: string, opts: BackendOptions & { context?: string }) => {
    const context = parseContext(opts.context);
    await withBackend(opts, async (b) => {
      for await (const r of b.lookupResources({
        resourceType,
        permission,
        subject: parseSubjectRef(subject),
        consistency: CLI_CONSISTENCY,
        ...(context ? { context } : {}),
      })) {
        out(
          r.permissionship === 'has_permission'
            ? r.resourceId
            : `${r.resourceId} (caveated${r.missingContext?.length ? `, missing ${r.missingContext.join(', ')}` : ''})`,
        );
      }
    });
  });

  addBackendOptions(
    program
      .command('lookup-subjects <resource> <permission> <subject-type>')
      .description('print the subjects of a type (type or type#relation) that have the permission on the resource')
      .option('--context <json>', 'caveat context as a JSON object'),
  ).action(async (resource: string, permission: string, subjectType: string, opts: BackendOptions & { context?: string }) => {
    const context = parseContext(opts.context);
    const hash = subjectType.indexOf('#');
    const type = hash < 0 ? subjectType : subjectType.slice(0, hash);
    const relation = hash < 0 ? undefined : subjectType.slice(hash + 1);
    await withBackend(opts, async (b) => {
      for await (const r of b.lookupSubjects({
        resource: parseObjectRef(resource),
        permission,
        subjectType: type,
        consistency: CLI_CONSISTENCY,
        ...(relation ? { subjectRelation: relation } : {}),
        ...(context ? { context } : {}),
      })) {
        let line = `${type}:${r.subject.id}`;
        if (r.excluded.length > 0) line += ` - {${r.excluded.map((e) => e.id).join(', ')}}`;
        if (r.subject.permissionship === 'conditional_permission') line += ' (caveated)';
        out(line);
      }
    });
  });
}
