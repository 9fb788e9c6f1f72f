/**
 * Model-based testing of a Store against a deliberately trivial in-memory model: a list of
 * snapshots (one Map per revision) plus a clock. Random sequences of writes, deletes by
 * filter, clock moves, snapshot reads at old revisions and GC must agree with the model.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  ELLIPSIS,
  InvalidRevisionError,
  RelationshipAlreadyExistsError,
  TooManyRelationshipsForDeleteError,
  formatRelationship,
  relationshipKey,
  type Relationship,
  type RelationshipUpdate,
} from '../../src/core/index.js';
import type { QueryOrder, Store } from '../../src/store/index.js';

// A small key space, so random updates collide often (CREATE conflicts, TOUCH over TOUCH).
const RESOURCE_IDS = ['a', 'b'] as const;
const RELATIONS = ['viewer', 'editor'] as const;
const SUBJECTS = [
  { type: 'user', id: 'tom' },
  { type: 'group', id: 'eng', relation: 'member' },
] as const;

type Expiry = { kind: 'none' } | { kind: 'relative'; ms: number } | { kind: 'absolute'; iso: string };

interface UpdateSpec {
  readonly operation: RelationshipUpdate['operation'];
  readonly resource: number;
  readonly relation: number;
  readonly subject: number;
  /** Caveat context value, or none for no caveat. */
  readonly caveat: number | undefined;
  readonly expiry: Expiry;
}

export type ModelOp =
  | { kind: 'write'; updates: UpdateSpec[] }
  | { kind: 'deleteByFilter'; resource: number | undefined; relation: number | undefined; limit: number | undefined; partial: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'read'; back: number; order: QueryOrder; anchor: 'head' | 'horizon' }
  | { kind: 'gc' };

export interface ModelClock {
  /** Whether the test controls time (SQLite with an injected clock) or real time passes. */
  readonly fake: boolean;
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = Date.now()): ModelClock {
  let t = start;
  return { fake: true, now: () => t, advance: (ms) => (t += ms) };
}

export const realClock: ModelClock = { fake: false, now: () => Date.now(), advance: () => undefined };

function expiryArb(clock: ModelClock): fc.Arbitrary<Expiry> {
  if (clock.fake) {
    return fc.oneof(
      fc.constant<Expiry>({ kind: 'none' }),
      fc.constantFrom(-100, 300, 3000).map((ms): Expiry => ({ kind: 'relative', ms })),
    );
  }
  return fc.constantFrom<Expiry>(
    { kind: 'none' },
    { kind: 'absolute', iso: '2001-01-01T00:00:00Z' },
    { kind: 'absolute', iso: '2999-01-01T00:00:00Z' },
  );
}

export function opsArb(clock: ModelClock, maxOps: number): fc.Arbitrary<ModelOp[]> {
  const update = fc.record({
    operation: fc.constantFrom<RelationshipUpdate['operation']>('create', 'touch', 'delete'),
    resource: fc.nat(RESOURCE_IDS.length - 1),
    relation: fc.nat(RELATIONS.length - 1),
    subject: fc.nat(SUBJECTS.length - 1),
    caveat: fc.option(fc.nat(1), { nil: undefined }),
    expiry: expiryArb(clock),
  });
  const maybe = (n: number) => fc.option(fc.nat(n), { nil: undefined });
  const op: fc.Arbitrary<ModelOp> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), updates: fc.array(update, { minLength: 1, maxLength: 4 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deleteByFilter' as const),
        resource: maybe(RESOURCE_IDS.length - 1),
        relation: maybe(RELATIONS.length - 1),
        limit: maybe(4),
        partial: fc.boolean(),
      }),
    },
    { weight: clock.fake ? 2 : 0, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('read' as const),
        back: fc.nat(8),
        order: fc.constantFrom<QueryOrder>('resource', 'subject'),
        // Reads just at the GC horizon are where an off-by-one in GC would show.
        anchor: fc.constantFrom<'head' | 'horizon'>('head', 'horizon'),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('gc' as const) }) },
  );
  return fc.array(op, { minLength: 1, maxLength: maxOps, size: 'max' });
}

function toRelationship(u: UpdateSpec, clock: ModelClock): Relationship {
  const s = SUBJECTS[u.subject]!;
  const expiresAt =
    u.expiry.kind === 'relative' ? new Date(clock.now() + u.expiry.ms) : u.expiry.kind === 'absolute' ? new Date(u.expiry.iso) : undefined;
  return {
    resource: { type: 'document', id: RESOURCE_IDS[u.resource]! },
    relation: RELATIONS[u.relation]!,
    subject: 'relation' in s ? { type: s.type, id: s.id, relation: s.relation } : { type: s.type, id: s.id },
    ...(u.caveat !== undefined ? { caveat: { name: 'cav', context: { n: u.caveat } } } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

function sortKey(r: Relationship, order: QueryOrder): string[] {
  const res = [r.resource.type, r.resource.id, r.relation];
  const sub = [r.subject.type, r.subject.id, r.subject.relation ?? ELLIPSIS];
  return order === 'resource' ? [...res, ...sub] : [...sub, ...res];
}

function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

interface Snapshot {
  readonly revision: number;
  readonly committedAt: number;
  /** Live rows, expired or not (expiry is judged at read time, by the clock). */
  readonly rows: Map<string, Relationship>;
}

/** Runs one op sequence against a fresh store and the model, asserting agreement after each step. */
export async function runModel(store: Store, clock: ModelClock, gcWindowMs: number, ops: readonly ModelOp[]): Promise<void> {
  const snapshots: Snapshot[] = [{ revision: 1, committedAt: clock.now(), rows: new Map() }];
  let oldestRetained = 1;
  const head = () => snapshots[snapshots.length - 1]!;
  const visible = (rows: Map<string, Relationship>, order: QueryOrder) =>
    [...rows.values()]
      .filter((r) => r.expiresAt === undefined || r.expiresAt.getTime() > clock.now())
      .sort((a, b) => compare(sortKey(a, order), sortKey(b, order)));
  const horizon = () => {
    let h: number | undefined;
    for (const s of snapshots) if (s.revision >= oldestRetained && s.committedAt <= clock.now() - gcWindowMs) h = s.revision;
    return h ?? oldestRetained;
  };
  const commit = (rows: Map<string, Relationship>, revision: number) => {
    expect(revision).toBe(head().revision + 1);
    snapshots.push({ revision, committedAt: clock.now(), rows });
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'write': {
        const updates = op.updates.map((u) => ({ operation: u.operation, relationship: toRelationship(u, clock) }));
        const rows = new Map(head().rows);
        let expected: string | undefined;
        for (const u of updates) {
          const key = relationshipKey(u.relationship);
          if (u.operation === 'create' && rows.has(key)) {
            expected = `could not CREATE relationship \`${key.replace(/#\.\.\.$/, '')}\`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition`;
            break;
          }
          if (u.operation === 'delete') rows.delete(key);
          else rows.set(key, u.relationship);
        }
        const outcome = await store
          .write((tx) => tx.apply(updates))
          .then(
            (r) => r,
            (e: unknown) => e,
          );
        if (expected) {
          expect(outcome).toBeInstanceOf(RelationshipAlreadyExistsError);
          expect((outcome as Error).message).toBe(expected);
        } else {
          commit(rows, (outcome as { revision: number }).revision);
        }
        break;
      }
      case 'deleteByFilter': {
        const filter = {
          resourceType: 'document',
          ...(op.resource !== undefined ? { resourceIds: [RESOURCE_IDS[op.resource]!] } : {}),
          ...(op.relation !== undefined ? { relation: RELATIONS[op.relation]! } : {}),
        };
        const matches = visible(head().rows, 'resource').filter(
          (r) =>
            (op.resource === undefined || r.resource.id === RESOURCE_IDS[op.resource]) &&
            (op.relation === undefined || r.relation === RELATIONS[op.relation]),
        );
        const options = op.limit !== undefined ? { limit: op.limit, allowPartial: op.partial } : {};
        const outcome = await store
          .write((tx) => tx.deleteByFilter(filter, options))
          .then(
            (r) => r,
            (e: unknown) => e,
          );
        if (op.limit !== undefined && matches.length > op.limit && !op.partial) {
          expect(outcome).toBeInstanceOf(TooManyRelationshipsForDeleteError);
          break;
        }
        const victims = op.limit !== undefined ? matches.slice(0, op.limit) : matches;
        const { result, revision } = outcome as { result: unknown; revision: number };
        expect(result).toEqual({ deleted: victims.length, complete: victims.length === matches.length });
        const rows = new Map(head().rows);
        for (const v of victims) rows.delete(relationshipKey(v));
        commit(rows, revision);
        break;
      }
      case 'advance':
        clock.advance(op.ms);
        break;
      case 'read': {
        const index =
          op.anchor === 'head' ? snapshots.length - 1 - op.back : snapshots.findIndex((x) => x.revision === horizon()) + (op.back % 2);
        const target = snapshots[Math.min(snapshots.length - 1, Math.max(0, index))]!;
        expect(await store.headRevision()).toBe(head().revision);
        if (target.revision < horizon()) {
          const err = await store.checkRevision(target.revision).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(InvalidRevisionError);
          expect((err as InvalidRevisionError).reason).toBe('expired');
          break;
        }
        await store.checkRevision(target.revision);
        const got = await store.reader(target.revision).query({}, { order: op.order });
        expect(got.map(formatRelationship)).toEqual(visible(target.rows, op.order).map(formatRelationship));
        break;
      }
      case 'gc': {
        const h = horizon();
        await store.gc();
        oldestRetained = h;
        // Rows expired longer than the window ago are gone for good: CREATE may reuse their keys.
        for (const s of snapshots) {
          for (const [k, r] of s.rows) if (r.expiresAt && r.expiresAt.getTime() < clock.now() - gcWindowMs) s.rows.delete(k);
        }
        break;
      }
    }
  }
}
