/**
 * Relationship counters (SpiceDB's experimental counters): a name registered for a
 * relationship filter, shared by every process on the datastore; counting reads the live
 * relationships matching it at the head revision, so a count is never stale.
 */
import { CounterNotRegisteredError, InvalidArgumentError, type RelationshipFilter, type Revision } from '../../core/index.js';
import type { FacadeContext } from './context.js';
import { validateFilter } from './schema-checks.js';

/** SpiceDB's rule for counter names: the relation-name pattern, at most 64 bytes. */
export const COUNTER_NAME_RE = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;

export interface CounterWriteResult {
  /** ZedToken of the write that registered or unregistered the counter. */
  readonly writtenAt: string;
  readonly revision: Revision;
}

export interface CounterValue {
  /** Live relationships matching the counter's filter. */
  readonly count: number;
  /** ZedToken of the revision counted. */
  readonly readAt: string;
  readonly revision: Revision;
}

function checkName(name: string): void {
  if (!COUNTER_NAME_RE.test(name))
    throw new InvalidArgumentError(`invalid name: value does not match regex pattern \`${COUNTER_NAME_RE.source}\``, 'name');
}

export async function registerCounter(ctx: FacadeContext, name: string, filter: RelationshipFilter): Promise<CounterWriteResult> {
  checkName(name);
  const { revision } = await ctx.store.write(async (tx) => {
    validateFilter(await ctx.schemaIn(tx), filter);
    await tx.registerCounter(name, filter);
  });
  ctx.noteWrite(revision);
  return { writtenAt: await ctx.token(revision), revision };
}

export async function unregisterCounter(ctx: FacadeContext, name: string): Promise<CounterWriteResult> {
  checkName(name);
  const { revision } = await ctx.store.write((tx) => tx.unregisterCounter(name));
  ctx.noteWrite(revision);
  return { writtenAt: await ctx.token(revision), revision };
}

export async function countRelationships(ctx: FacadeContext, name: string): Promise<CounterValue> {
  checkName(name);
  const revision = await ctx.store.headRevision();
  const reader = ctx.store.reader(revision);
  const filter = await reader.counterFilter(name);
  if (filter === undefined) throw new CounterNotRegisteredError(name);
  return { count: await reader.count(filter), readAt: await ctx.token(revision), revision };
}
