/** `trellis relationship create|touch|delete|read`: zed's relationship commands. */
import type { Command } from 'commander';
import {
  ELLIPSIS,
  InvalidArgumentError,
  formatRelationship,
  isValidObjectId,
  parseRelationship,
  parseSubjectRef,
  type RelationshipFilter,
  type UpdateOperation,
} from '../../core/index.js';
import { addBackendOptions, CLI_CONSISTENCY, out, withBackend, type BackendOptions } from './backend.js';

interface UpdateOptions extends BackendOptions {
  caveat?: string;
  expirationTime?: string;
}

/**
 * `resource relation subject` (zed), or one or more relationships in text form, which are
 * written together in one transaction. `--caveat` and `--expiration-time` apply to each.
 */
export function relationshipsFromArgs(
  args: readonly string[],
  opts: { caveat?: string; expirationTime?: string },
): ReturnType<typeof parseRelationship>[] {
  let texts: string[];
  if (args.length > 0 && args.every((a) => a.includes('@'))) texts = [...args];
  else if (args.length === 3) texts = [`${args[0]}#${args[1]}@${args[2]}`];
  else
    throw new InvalidArgumentError(
      'expected <resource> <relation> <subject> (e.g. document:readme viewer user:alice) or relationships like document:readme#viewer@user:alice',
    );
  return texts.map((text) => {
    if (opts.caveat) text += `[${opts.caveat}]`;
    if (opts.expirationTime) text += `[expiration:${opts.expirationTime}]`;
    return parseRelationship(text);
  });
}

function registerUpdate(parent: Command, operation: UpdateOperation, description: string): void {
  addBackendOptions(
    parent
      .command(`${operation} <relationship...>`)
      .description(description)
      .option('--caveat <name[:json]>', 'caveat with optional context, e.g. ip_allowed:{"cidr":"10.0.0.0/8"}')
      .option('--expiration-time <rfc3339>', 'when the relationship expires'),
  ).action(async (args: string[], opts: UpdateOptions) => {
    const updates = relationshipsFromArgs(args, opts).map((relationship) => ({ operation, relationship }));
    const { writtenAt } = await withBackend(opts, (b) => b.write({ updates }));
    out(writtenAt);
  });
}

/** zed's read filter: `type[:id] [relation] [subject-type[:id][#relation]]`. */
export function filterFromArgs(resource: string, relation: string | undefined, subject: string | undefined): RelationshipFilter {
  const colon = resource.indexOf(':');
  const resourceType = colon < 0 ? resource : resource.slice(0, colon);
  const resourceId = colon < 0 ? undefined : resource.slice(colon + 1);
  if (resourceId !== undefined && !isValidObjectId(resourceId)) throw new InvalidArgumentError(`invalid resource id \`${resourceId}\``);
  let subjectFilter: RelationshipFilter['subject'];
  if (subject) {
    if (subject.includes(':')) {
      const s = parseSubjectRef(subject);
      subjectFilter = { type: s.type, ids: [s.id], ...(subject.includes('#') ? { relation: s.relation ?? ELLIPSIS } : {}) };
    } else {
      subjectFilter = { type: subject };
    }
  }
  return {
    resourceType,
    ...(resourceId !== undefined ? { resourceIds: [resourceId] } : {}),
    ...(relation ? { relation } : {}),
    ...(subjectFilter ? { subject: subjectFilter } : {}),
  };
}

export function registerRelationship(program: Command): void {
  const rel = program.command('relationship').description('create, touch, delete and read relationships');
  registerUpdate(rel, 'create', 'create a relationship (fails if it already exists)');
  registerUpdate(rel, 'touch', 'create or update a relationship');
  registerUpdate(rel, 'delete', 'delete a relationship (no error if absent)');
  addBackendOptions(
    rel
      .command('read <resource> [relation] [subject]')
      .description('print relationships matching a filter: type[:id] [relation] [subject-type[:id][#relation]]')
      .option('--limit <n>', 'stop after this many', (v) => Number(v)),
  ).action(
    async (resource: string, relation: string | undefined, subject: string | undefined, opts: BackendOptions & { limit?: number }) => {
      const filter = filterFromArgs(resource, relation, subject);
      await withBackend(opts, async (b) => {
        let n = 0;
        for await (const item of b.read(filter, { consistency: CLI_CONSISTENCY })) {
          out(formatRelationship(item.relationship));
          if (opts.limit !== undefined && ++n >= opts.limit) break;
        }
      });
    },
  );
}
