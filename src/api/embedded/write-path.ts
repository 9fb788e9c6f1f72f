/**
 * The validated write path: WriteRelationships, DeleteRelationships and bulk import with
 * SpiceDB's order of checks (reference §5.7): request-level limits first, then, inside the
 * write transaction, schema validation of preconditions and updates, the preconditions
 * themselves, and only then the writes.
 */
import {
  ContextTooLargeError,
  DuplicateUpdateError,
  ExceedsMaximumLimitError,
  InvalidArgumentError,
  RelationshipAlreadyExistsError,
  SerializationError,
  TooManyPreconditionsError,
  TooManyUpdatesError,
  formatRelationshipKey,
  relationshipKey,
} from '../../core/index.js';
import type { JsonObject, Precondition, Relationship, RelationshipFilter, RelationshipUpdate, Revision } from '../../core/index.js';
import type { FacadeContext } from './context.js';
import { toRelationship, toUpdate } from './inputs.js';
import type { RelationshipInput } from './inputs.js';
import { jsonBytes } from './limits.js';
import { validateFilter, validatePreconditions, validateRelationshipUpdate } from './schema-checks.js';

export interface WriteRequest {
  /** Updates; a bare relationship (string or object) means TOUCH. */
  readonly updates: readonly (RelationshipUpdate | RelationshipInput)[];
  readonly preconditions?: readonly Precondition[];
  /** Transaction metadata, delivered to Watch consumers. */
  readonly metadata?: JsonObject;
}

export interface WriteResult {
  readonly writtenAt: string;
  readonly revision: Revision;
}

export interface DeleteRelationshipsOptions {
  readonly preconditions?: readonly Precondition[];
  /** At most this many (≤ limits.maxDeleteLimit); absent or 0 = everything that matches. */
  readonly limit?: number;
  /** With a limit: delete up to it and report `complete: false` when more remain. */
  readonly allowPartial?: boolean;
  readonly metadata?: JsonObject;
}

export interface DeleteRelationshipsResult {
  readonly deletedAt: string;
  readonly revision: Revision;
  readonly deleted: number;
  readonly complete: boolean;
}

export interface ImportResult {
  readonly loaded: number;
  readonly importedAt: string;
  readonly revision: Revision;
}

export type ImportItem = RelationshipInput | readonly RelationshipInput[];
export type ImportSource = Iterable<ImportItem> | AsyncIterable<ImportItem>;

const IMPORT_BATCH = 1000;

function checkMetadata(ctx: FacadeContext, metadata: JsonObject | undefined): void {
  if (metadata === undefined) return;
  const size = jsonBytes(metadata);
  if (size > ctx.limits.maxMetadataBytes) {
    throw new InvalidArgumentError(
      `transaction metadata of ${size} bytes exceeds the maximum of ${ctx.limits.maxMetadataBytes} bytes`,
      'optional_transaction_metadata',
    );
  }
}

function checkRelationshipContext(ctx: FacadeContext, rel: Relationship): void {
  const context = rel.caveat?.context;
  if (context === undefined) return;
  const size = jsonBytes(context);
  if (size > ctx.limits.maxRelationshipContextBytes)
    throw new ContextTooLargeError(size, ctx.limits.maxRelationshipContextBytes, 'relationship');
}

export async function writeRelationships(ctx: FacadeContext, req: WriteRequest): Promise<WriteResult> {
  checkMetadata(ctx, req.metadata);
  if (req.updates.length > ctx.limits.maxUpdates) throw new TooManyUpdatesError(req.updates.length, ctx.limits.maxUpdates);
  const preconditions = req.preconditions ?? [];
  if (preconditions.length > ctx.limits.maxPreconditions)
    throw new TooManyPreconditionsError(preconditions.length, ctx.limits.maxPreconditions);
  const updates = req.updates.map(toUpdate);
  const seen = new Set<string>();
  for (const u of updates) {
    const key = relationshipKey(u.relationship);
    if (seen.has(key)) throw new DuplicateUpdateError(formatRelationshipKey(u.relationship));
    seen.add(key);
  }
  for (const u of updates) checkRelationshipContext(ctx, u.relationship);

  const { revision } = await ctx.store.write(
    async (tx) => {
      const schema = await ctx.schemaIn(tx);
      validatePreconditions(schema, preconditions);
      for (const u of updates) validateRelationshipUpdate(schema, u.relationship, u.operation);
      if (preconditions.length > 0) await tx.checkPreconditions(preconditions);
      if (updates.length > 0) await tx.apply(updates);
    },
    req.metadata ? { metadata: req.metadata } : undefined,
  );
  ctx.noteWrite(revision);
  return { writtenAt: await ctx.token(revision), revision };
}

export async function deleteRelationships(
  ctx: FacadeContext,
  filter: RelationshipFilter,
  options: DeleteRelationshipsOptions = {},
): Promise<DeleteRelationshipsResult> {
  checkMetadata(ctx, options.metadata);
  const preconditions = options.preconditions ?? [];
  if (preconditions.length > ctx.limits.maxPreconditions)
    throw new TooManyPreconditionsError(preconditions.length, ctx.limits.maxPreconditions);
  const limit = options.limit ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`invalid limit ${limit}`, 'optional_limit');
  if (limit > ctx.limits.maxDeleteLimit) throw new ExceedsMaximumLimitError(limit, ctx.limits.maxDeleteLimit);

  const { result, revision } = await ctx.store.write(
    async (tx) => {
      const schema = await ctx.schemaIn(tx);
      validateFilter(schema, filter);
      validatePreconditions(schema, preconditions);
      if (preconditions.length > 0) await tx.checkPreconditions(preconditions);
      return tx.deleteByFilter(filter, limit > 0 ? { limit, ...(options.allowPartial ? { allowPartial: true } : {}) } : {});
    },
    options.metadata ? { metadata: options.metadata } : undefined,
  );
  ctx.noteWrite(revision);
  return { deletedAt: await ctx.token(revision), revision, deleted: result.deleted, complete: result.complete };
}

/**
 * One transaction over the whole source, validated like CREATE. The source is consumed
 * inside the transaction in batches, so a store-level retry cannot replay it: a conflict
 * that would need one surfaces as a retryable SerializationError instead.
 */
export async function importRelationships(ctx: FacadeContext, source: ImportSource): Promise<ImportResult> {
  let attempts = 0;
  const { result: loaded, revision } = await ctx.store.write(async (tx) => {
    attempts++;
    if (attempts > 1)
      throw new SerializationError('the import conflicted with a concurrent write and its source cannot be replayed; retry the import');
    const schema = await ctx.schemaIn(tx);
    // Duplicates inside one batch are caught here; across batches the store's CREATE
    // semantics catch them (the transaction sees its own earlier batches).
    const seen = new Set<string>();
    let batch: Relationship[] = [];
    let total = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      total += await tx.bulkCreate(batch);
      batch = [];
      seen.clear();
    };
    const add = async (input: RelationshipInput): Promise<void> => {
      const rel = toRelationship(input);
      checkRelationshipContext(ctx, rel);
      validateRelationshipUpdate(schema, rel, 'create');
      const key = relationshipKey(rel);
      if (seen.has(key)) throw new RelationshipAlreadyExistsError(formatRelationshipKey(rel));
      seen.add(key);
      batch.push(rel);
      if (batch.length >= IMPORT_BATCH) await flush();
    };
    for await (const item of source as AsyncIterable<ImportItem>) {
      if (Array.isArray(item)) {
        for (const r of item as readonly RelationshipInput[]) await add(r);
      } else {
        await add(item as RelationshipInput);
      }
    }
    await flush();
    return total;
  });
  ctx.noteWrite(revision);
  return { loaded, importedAt: await ctx.token(revision), revision };
}
