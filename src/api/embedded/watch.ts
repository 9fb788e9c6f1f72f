/**
 * Watch: polls the store's change feed in ascending revision order and emits each committed
 * transaction's matching changes (reference §1.1 WatchService). Resumable from any token it
 * emitted; ends when the caller's AbortSignal fires or the consumer stops iterating.
 */
import {
  InvalidArgumentError,
  InvalidFilterError,
  decodeZedToken,
  isEmptyFilter,
  isValidTypeName,
  tokenMatchesStore,
} from '../../core/index.js';
import type { JsonObject, Relationship, RelationshipFilter, Revision } from '../../core/index.js';
import type { ChangeOperation } from '../../store/index.js';
import type { FacadeContext } from './context.js';
import { matchesFilter } from './filter-match.js';

export interface WatchOptions {
  /** Only changes to relationships whose resource type is one of these. */
  readonly objectTypes?: readonly string[];
  /** Only changes matching at least one of these filters (exclusive with objectTypes). */
  readonly filters?: readonly RelationshipFilter[];
  /** Start after this token's revision; default: now (head). */
  readonly startToken?: string;
  /** Emit a checkpoint when revisions went by with no matching change. */
  readonly includeCheckpoints?: boolean;
  /** Emit an event for schema writes. */
  readonly includeSchema?: boolean;
  readonly signal?: AbortSignal;
  /** Delay between polls when caught up (default 100 ms). */
  readonly pollIntervalMs?: number;
}

export interface WatchUpdate {
  readonly operation: ChangeOperation;
  readonly relationship: Relationship;
}

export interface WatchEvent {
  readonly updates: readonly WatchUpdate[];
  /** Resume token: everything up to and including this revision has been delivered. */
  readonly changesThrough: string;
  readonly revision: Revision;
  readonly metadata?: JsonObject;
  readonly schemaUpdated?: boolean;
  readonly isCheckpoint?: boolean;
}

const BATCH = 100;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function* watchChanges(ctx: FacadeContext, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
  if ((options.objectTypes?.length ?? 0) > 0 && (options.filters?.length ?? 0) > 0) {
    throw new InvalidArgumentError('cannot specify both object types and relationship filters', 'optional_relationship_filters');
  }
  for (const t of options.objectTypes ?? []) {
    if (!isValidTypeName(t)) throw new InvalidArgumentError(`invalid object type \`${t}\``, 'optional_object_types');
  }
  for (const f of options.filters ?? []) {
    if (isEmptyFilter(f)) throw new InvalidFilterError('at least one field must be set');
  }
  const types = options.objectTypes?.length ? new Set(options.objectTypes) : undefined;
  const filters = options.filters?.length ? options.filters : undefined;
  const matches = (r: Relationship): boolean =>
    types ? types.has(r.resource.type) : filters ? filters.some((f) => matchesFilter(r, f)) : true;

  let revision: Revision;
  if (options.startToken) {
    const token = decodeZedToken(options.startToken);
    if (!tokenMatchesStore(token, ctx.store.uniqueId))
      throw new InvalidArgumentError('the start token was issued by a different datastore', 'optional_start_cursor');
    await ctx.store.checkRevision(token.revision);
    revision = token.revision;
  } else {
    revision = await ctx.store.headRevision();
  }
  const interval = options.pollIntervalMs ?? 100;
  const signal = options.signal;

  while (!signal?.aborted) {
    const sets = await ctx.store.changesSince(revision, BATCH);
    let skipped = false;
    for (const cs of sets) {
      if (signal?.aborted) return;
      revision = cs.revision;
      const updates = cs.changes
        .filter((c) => matches(c.relationship))
        .map((c) => ({ operation: c.operation, relationship: c.relationship }));
      const schemaUpdated = cs.schemaChanged && options.includeSchema === true;
      if (updates.length === 0 && !schemaUpdated) {
        skipped = true;
        continue;
      }
      skipped = false;
      yield {
        updates,
        changesThrough: await ctx.token(cs.revision),
        revision: cs.revision,
        ...(cs.metadata ? { metadata: cs.metadata } : {}),
        ...(schemaUpdated ? { schemaUpdated: true } : {}),
      };
    }
    if (skipped && options.includeCheckpoints) {
      yield { updates: [], changesThrough: await ctx.token(revision), revision, isCheckpoint: true };
    }
    if (sets.length < BATCH) await sleep(interval, signal);
  }
}
