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
  SerializationError,
  TooManyPreconditionsError,
  TooManyUpdatesError,
  WILDCARD_ID,
  formatRelationshipKey,
  MAX_OBJECT_ID_BYTES,
  OBJECT_ID_RE,
  isValidObjectId,
  relationshipKey,
} from '../../core/index.js';
import type { JsonObject, Precondition, Relationship, RelationshipFilter, RelationshipUpdate, Revision } from '../../core/index.js';
import type { Schema } from '../../schema/index.js';
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
 * Relationships validated and handed to the store in one bulkCreate: the store sorts and
 * checks a call as a whole (into an empty SQLite table it also builds the indexes after the
 * rows), so fewer, larger calls are faster; this bounds the memory held meanwhile.
 */
const IMPORT_BUFFER = 1 << 20;

/** isValidObjectId without measuring UTF-8 length when the id cannot exceed the limit (3 bytes per UTF-16 unit at most). */
function validObjectId(id: string): boolean {
  return id.length * 3 <= MAX_OBJECT_ID_BYTES ? OBJECT_ID_RE.test(id) : isValidObjectId(id);
}

/**
 * Relationship shapes already found valid for CREATE: resource type -> relation -> subject
 * type -> subject relation -> caveat name -> bit set of (wildcard subject, expiration).
 * Nested maps: no key string to build and hash per relationship.
 */
type ShapeLevel<T> = Map<string | undefined, T>;
type Shapes = ShapeLevel<ShapeLevel<ShapeLevel<ShapeLevel<ShapeLevel<number>>>>>;

function shapeBit(rel: Relationship): number {
  return 1 << ((rel.subject.id === WILDCARD_ID ? 1 : 0) | (rel.expiresAt === undefined ? 0 : 2));
}

function knownShape(shapes: Shapes, rel: Relationship): boolean {
  const s = rel.subject;
  const bits = shapes.get(rel.resource.type)?.get(rel.relation)?.get(s.type)?.get(s.relation)?.get(rel.caveat?.name);
  return bits !== undefined && (bits & shapeBit(rel)) !== 0;
}

function addShape(shapes: Shapes, rel: Relationship): void {
  const level = <T>(m: ShapeLevel<T>, key: string | undefined, make: () => T): T => {
    let v = m.get(key);
    if (v === undefined) m.set(key, (v = make()));
    return v;
  };
  const s = rel.subject;
  const byCaveat = level(
    level(
      level(
        level(shapes, rel.resource.type, () => new Map()),
        rel.relation,
        () => new Map(),
      ),
      s.type,
      () => new Map(),
    ),
    s.relation,
    () => new Map<string | undefined, number>(),
  );
  const caveat = rel.caveat?.name;
  byCaveat.set(caveat, (byCaveat.get(caveat) ?? 0) | shapeBit(rel));
}

/**
 * validateRelationshipUpdate(schema, rel, 'create') for an import: what depends only on the
 * relationship's shape (types, relations, wildcard, caveat name, expiration) is checked once
 * per shape; ids are checked per relationship, and a failure anywhere falls back to the full
 * check, so errors and their order are the same as validating each relationship alone.
 */
function importValidator(ctx: FacadeContext, schema: Schema): (input: RelationshipInput) => Relationship {
  const shapes: Shapes = new Map();
  return (input) => {
    const rel = toRelationship(input);
    if (rel.caveat?.context !== undefined) {
      checkRelationshipContext(ctx, rel);
      validateRelationshipUpdate(schema, rel, 'create');
      return rel;
    }
    const id = rel.resource.id;
    if (knownShape(shapes, rel) && id !== WILDCARD_ID && validObjectId(id) && validObjectId(rel.subject.id)) return rel;
    validateRelationshipUpdate(schema, rel, 'create');
    addShape(shapes, rel);
    return rel;
  };
}

/**
 * One transaction over the whole source, validated like CREATE. The source is consumed
 * inside the transaction, so a store-level retry cannot replay it: a conflict that would
 * need one surfaces as a retryable SerializationError instead. Duplicates, within the source
 * or against live relationships, are the store's CREATE semantics (bulkCreate checks each
 * call as a whole and sees the transaction's earlier calls).
 */
export async function importRelationships(ctx: FacadeContext, source: ImportSource): Promise<ImportResult> {
  let attempts = 0;
  const { result: loaded, revision } = await ctx.store.write(async (tx) => {
    attempts++;
    if (attempts > 1)
      throw new SerializationError('the import conflicted with a concurrent write and its source cannot be replayed; retry the import');
    const validate = importValidator(ctx, await ctx.schemaIn(tx));
    let buffer: Relationship[] = [];
    let total = 0;
    const flush = async (): Promise<void> => {
      if (buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      total += await tx.bulkCreate(batch);
    };
    const addAll = async (items: readonly RelationshipInput[]): Promise<void> => {
      for (const r of items) if (buffer.push(validate(r)) >= IMPORT_BUFFER) await flush();
    };
    if (typeof (source as Partial<AsyncIterable<ImportItem>>)[Symbol.asyncIterator] === 'function') {
      for await (const item of source as AsyncIterable<ImportItem>) {
        if (Array.isArray(item)) await addAll(item as readonly RelationshipInput[]);
        else if (buffer.push(validate(item as RelationshipInput)) >= IMPORT_BUFFER) await flush();
      }
    } else {
      // A plain iterable (an array of a million relationships, say) is read without an await
      // per item; an item that is a promise is awaited, as for-await would.
      for (let item of source as Iterable<ImportItem>) {
        if (isPromiseLike(item)) item = await item;
        if (Array.isArray(item)) await addAll(item as readonly RelationshipInput[]);
        else if (buffer.push(validate(item as RelationshipInput)) >= IMPORT_BUFFER) await flush();
      }
    }
    await flush();
    return total;
  });
  ctx.noteWrite(revision);
  return { loaded, importedAt: await ctx.token(revision), revision };
}

function isPromiseLike(x: unknown): x is PromiseLike<ImportItem> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
