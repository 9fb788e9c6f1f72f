/**
 * ReadRelationships and ExportBulkRelationships: streamed in stable resource order, pinned to
 * one revision across pages by their cursors, never buffering more than one page.
 */
import { ExceedsMaximumLimitError, InvalidArgumentError } from '../../core/index.js';
import type { Relationship, RelationshipFilter, Revision } from '../../core/index.js';
import type { Consistency } from '../../engine/index.js';
import type { FacadeContext } from './context.js';
import { callHash, decodeCursor, encodeCursor } from './cursor.js';
import { validateFilter } from './schema-checks.js';

export interface ReadOptions {
  readonly consistency?: Consistency;
  /** At most this many results (≤ limits.maxReadLimit); absent or 0 = all. */
  readonly limit?: number;
  /** `afterResultCursor` of an earlier result of the same call. */
  readonly cursor?: string;
}

export interface ReadResult {
  readonly relationship: Relationship;
  readonly readAt: string;
  readonly afterResultCursor: string;
}

export interface ExportOptions {
  readonly filter?: RelationshipFilter;
  readonly consistency?: Consistency;
  /** Relationships per page (≤ limits.maxExportPage); default 1000. */
  readonly pageSize?: number;
  readonly cursor?: string;
}

export interface ExportPage {
  readonly relationships: readonly Relationship[];
  readonly afterResultCursor: string;
  readonly exportedAt: string;
}

const READ_CHUNK = 500;
const DEFAULT_EXPORT_PAGE = 1000;

function checkLimit(value: number | undefined, max: number, field: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`invalid ${field} ${n}`, field);
  if (n > max) throw new ExceedsMaximumLimitError(n, max);
  return n;
}

async function startingPoint(
  ctx: FacadeContext,
  cursor: string | undefined,
  hash: string,
  consistency: Consistency | undefined,
): Promise<{ revision: Revision; after?: Relationship }> {
  if (cursor === undefined || cursor === '') return { revision: await ctx.resolveRevision(consistency) };
  const decoded = decodeCursor(cursor, hash);
  await ctx.store.checkRevision(decoded.revision);
  return decoded;
}

export async function* readRelationships(
  ctx: FacadeContext,
  filter: RelationshipFilter,
  options: ReadOptions = {},
): AsyncGenerator<ReadResult> {
  const limit = checkLimit(options.limit, ctx.limits.maxReadLimit, 'optional_limit');
  const hash = callHash('read', { filter, limit });
  const start = await startingPoint(ctx, options.cursor, hash, options.consistency);
  const reader = ctx.store.reader(start.revision);
  validateFilter(await ctx.schemaIn(reader), filter);
  const readAt = await ctx.token(start.revision);
  let after = start.after;
  let remaining = limit > 0 ? limit : Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const chunk = Math.min(READ_CHUNK, remaining);
    const rows = await reader.query(filter, { limit: chunk, ...(after ? { after } : {}) });
    for (const relationship of rows) {
      yield { relationship, readAt, afterResultCursor: encodeCursor(start.revision, hash, relationship) };
    }
    remaining -= rows.length;
    if (rows.length < chunk) return;
    after = rows[rows.length - 1];
  }
}

export async function* exportRelationships(ctx: FacadeContext, options: ExportOptions = {}): AsyncGenerator<ExportPage> {
  const pageSize = checkLimit(options.pageSize, ctx.limits.maxExportPage, 'optional_limit') || DEFAULT_EXPORT_PAGE;
  const filter = options.filter ?? {};
  const hash = callHash('export', { filter });
  const start = await startingPoint(ctx, options.cursor, hash, options.consistency);
  const reader = ctx.store.reader(start.revision);
  if (options.filter) validateFilter(await ctx.schemaIn(reader), filter);
  const exportedAt = await ctx.token(start.revision);
  let after = start.after;
  for (;;) {
    const rows = await reader.query(filter, { limit: pageSize, ...(after ? { after } : {}) });
    const last = rows[rows.length - 1];
    if (!last) return;
    yield { relationships: rows, afterResultCursor: encodeCursor(start.revision, hash, last), exportedAt };
    if (rows.length < pageSize) return;
    after = last;
  }
}
