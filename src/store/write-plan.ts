/**
 * The write semantics both adapters share (reference §5.7): CREATE / TOUCH / DELETE over
 * the live row of each relationship key, preconditions, and delete-by-filter limits. The
 * adapters supply the row operations; this file decides which ones to run.
 *
 * Row versions: TOUCH and DELETE end the live version (deleted_rev = this revision) and
 * TOUCH inserts a new one. A version created by this same transaction is removed outright
 * instead, so no row is ever both created and deleted at one revision.
 */
import {
  EmptyPreconditionError,
  PreconditionFailedError,
  RelationshipAlreadyExistsError,
  TooManyRelationshipsForDeleteError,
  formatRelationshipKey,
  isEmptyFilter,
  relationshipKey,
  type Precondition,
  type Relationship,
  type RelationshipFilter,
  type RelationshipUpdate,
} from '../core/index.js';
import { describePrecondition } from './precondition-text.js';
import { contextText } from './row-codec.js';
import type { DeleteOptions, DeleteResult, QueryOptions } from './store.js';

/** The stored live version of a relationship key. */
export interface LiveVersion {
  readonly createdRev: number;
  readonly caveatName: string | null;
  readonly caveatContext: string | null;
  readonly expiresAt: number | null;
}

/** Row operations an adapter performs inside its write transaction at `revision`. */
export interface WriteOps {
  readonly revision: number;
  /** Live versions (deleted_rev IS NULL, expired or not) of these keys, by relationshipKey. */
  findLive(keys: readonly Relationship[]): Promise<Map<string, LiveVersion>>;
  /** Ends the live versions created before this revision. */
  markDeleted(keys: readonly Relationship[]): Promise<void>;
  /** Removes live versions created by this transaction. */
  removeOwn(keys: readonly Relationship[]): Promise<void>;
  insert(rows: readonly Relationship[]): Promise<void>;
  query(filter: RelationshipFilter, options?: QueryOptions): Promise<Relationship[]>;
}

function sameContent(v: LiveVersion, r: Relationship): boolean {
  return (
    v.caveatName === (r.caveat?.name ?? null) &&
    v.caveatContext === contextText(r) &&
    (v.expiresAt === null ? r.expiresAt === undefined : r.expiresAt?.getTime() === Number(v.expiresAt))
  );
}

/** Ends or removes the given live versions, depending on which transaction created them. */
async function endVersions(ops: WriteOps, ended: readonly { rel: Relationship; v: LiveVersion }[]): Promise<void> {
  const own = ended.filter((e) => e.v.createdRev === ops.revision).map((e) => e.rel);
  const older = ended.filter((e) => e.v.createdRev !== ops.revision).map((e) => e.rel);
  if (own.length > 0) await ops.removeOwn(own);
  if (older.length > 0) await ops.markDeleted(older);
}

export async function applyUpdates(ops: WriteOps, updates: readonly RelationshipUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const live = await ops.findLive(updates.map((u) => u.relationship));
  // Per key, the desired final state: a relationship, null (absent), or untouched.
  const finals = new Map<string, { rel: Relationship; final: Relationship | null }>();
  for (const u of updates) {
    const r = u.relationship;
    const key = relationshipKey(r);
    const planned = finals.get(key);
    const current = planned ? planned.final : live.has(key) ? r : null;
    switch (u.operation) {
      case 'create':
        if (current) throw new RelationshipAlreadyExistsError(formatRelationshipKey(r));
        finals.set(key, { rel: r, final: r });
        break;
      case 'touch': {
        const v = live.get(key);
        if (!planned && v && sameContent(v, r)) break;
        finals.set(key, { rel: r, final: r });
        break;
      }
      case 'delete':
        if (current) finals.set(key, { rel: r, final: null });
        break;
    }
  }
  const ended: { rel: Relationship; v: LiveVersion }[] = [];
  const inserts: Relationship[] = [];
  for (const [key, plan] of finals) {
    const v = live.get(key);
    if (v) ended.push({ rel: plan.rel, v });
    if (plan.final) inserts.push(plan.final);
  }
  await endVersions(ops, ended);
  if (inserts.length > 0) await ops.insert(inserts);
}

export async function checkPreconditions(ops: WriteOps, preconditions: readonly Precondition[]): Promise<void> {
  for (const p of preconditions) {
    if (isEmptyFilter(p.filter)) throw new EmptyPreconditionError();
    const found = (await ops.query(p.filter, { limit: 1 })).length > 0;
    if (found !== (p.operation === 'must_match')) {
      throw new PreconditionFailedError(p.operation, p.filter, describePrecondition(p));
    }
  }
}

/**
 * Delete by filter with a limit: reads at most limit+1 matches so a transactional delete
 * that would exceed the limit fails before touching anything.
 */
export async function deleteWithLimit(
  ops: WriteOps,
  filter: RelationshipFilter,
  options: DeleteOptions & { limit: number },
): Promise<DeleteResult> {
  const { limit } = options;
  const rows = await ops.query(filter, { limit: limit + 1 });
  if (rows.length > limit && !options.allowPartial) throw new TooManyRelationshipsForDeleteError(limit);
  const victims = rows.slice(0, limit);
  if (victims.length > 0) {
    const live = await ops.findLive(victims);
    const ended: { rel: Relationship; v: LiveVersion }[] = [];
    for (const rel of victims) {
      const v = live.get(relationshipKey(rel));
      if (v) ended.push({ rel, v });
    }
    await endVersions(ops, ended);
  }
  return { deleted: victims.length, complete: rows.length <= limit };
}
