/**
 * The nested-set index: an upper bound, per subject set `type:id#relation`, of the longest chain
 * of *nested* relationships below it. A nested relationship names a subject set of its own
 * type and relation, such as `group:eng#member@group:backend#member`; chains of them are how
 * groups nest, and they are what makes a check's graph deep.
 *
 * With the bound, a check need not walk down every nested group to prove a negative: it can ask
 * which groups contain the subject (a short walk *up* from the subject's own memberships) and
 * still know that the walk down would have stayed within the depth limit (Zanzibar's Leopard
 * index solves the same problem with a full transitive closure).
 *
 * The bound is kept without versions: heights only ever grow. Every nested relationship, when
 * inserted, raises its resource's height to at least its subject's + 1 and carries any increase
 * up through the live nested relationships above. A chain alive at some revision was therefore
 * accounted for when its last link was written, and a height that never shrinks stays an upper
 * bound for every revision a reader can hold, before or after deletions. Cycles saturate at
 * HEIGHT_CAP, which a reader treats as "too deep" (the walk then answers).
 *
 * Adapters supply the reads and the upsert; writers are serialised (SQLite's write lock, the
 * Postgres store's advisory lock), so the read-raise-write below never races another writer.
 */
import type { Relationship } from '../core/index.js';

/** Heights saturate here: a cycle, or a chain deeper than any sensible depth limit. */
export const HEIGHT_CAP = 1024;

/** A nested relationship kind: subject sets `type#relation` inside `type#relation`. */
export interface NestedKind {
  readonly type: string;
  readonly relation: string;
}

/** A nested relationship: `resource` contains the subject set `subject` (both ids of `kind.type`). */
export interface NestedEdge {
  readonly resource: string;
  readonly subject: string;
}

/** The reads and writes of an adapter, inside its write transaction. */
export interface HeightOps {
  /** Stored heights of these ids (absent: 0). */
  heights(kind: NestedKind, ids: readonly string[]): Promise<Map<string, number>>;
  /** Every stored height of the kind. */
  allHeights(kind: NestedKind): Promise<Map<string, number>>;
  /** Live (not deleted) nested relationships whose subject is one of these ids. */
  parents(kind: NestedKind, ids: readonly string[]): Promise<NestedEdge[]>;
  /** Every live nested relationship of the kind. */
  allEdges(kind: NestedKind): Promise<NestedEdge[]>;
  /** Upserts heights (each only ever higher than the stored one). */
  save(kind: NestedKind, heights: ReadonlyMap<string, number>): Promise<void>;
}

/** Past this many new nested relationships of one kind, the kind is read whole (two queries) instead of level by level. */
const READ_WHOLE_MIN = 64;

/** A nested relationship as [type, relation, resource id, subject id]. */
export type NestedRow = readonly [string, string, string, string];

/** Every stored version of every nested relationship, as NestedRow columns (migrations fill the index from it). */
export const NESTED_VERSIONS_SQL =
  'SELECT resource_type, relation, resource_id, subject_id FROM relationships WHERE subject_type = resource_type AND subject_relation = relation';

function isNested(r: Relationship): boolean {
  return r.subject.relation === r.relation && r.subject.type === r.resource.type;
}

/** Raises the heights above the nested relationships among `inserted` (rows just written, live). */
export async function raiseHeights(ops: HeightOps, inserted: readonly Relationship[]): Promise<void> {
  const rows: NestedRow[] = [];
  for (const r of inserted) if (isNested(r)) rows.push([r.resource.type, r.relation, r.resource.id, r.subject.id]);
  await raiseGrouped(ops, rows, false);
}

/** Fills the index from every nested relationship there is (all stored versions), which then need not be read again. */
export async function fillHeights(ops: HeightOps, all: readonly NestedRow[]): Promise<void> {
  await raiseGrouped(ops, all, true);
}

async function raiseGrouped(ops: HeightOps, rows: readonly NestedRow[], complete: boolean): Promise<void> {
  const byKind = new Map<string, { kind: NestedKind; edges: NestedEdge[] }>();
  for (const [type, relation, resource, subject] of rows) {
    const key = `${type}#${relation}`;
    let entry = byKind.get(key);
    if (entry === undefined) byKind.set(key, (entry = { kind: { type, relation }, edges: [] }));
    entry.edges.push({ resource, subject });
  }
  for (const { kind, edges } of byKind.values()) await raiseKind(ops, kind, edges, complete);
}

/** `complete`: `edges` are every nested relationship of the kind there is. */
async function raiseKind(ops: HeightOps, kind: NestedKind, edges: readonly NestedEdge[], complete: boolean): Promise<void> {
  const height = new Map<string, number>();
  const parents = new Map<string, string[]>();
  const addParent = (e: NestedEdge): void => {
    const list = parents.get(e.subject);
    if (list === undefined) parents.set(e.subject, [e.resource]);
    else list.push(e.resource);
  };
  // Ids whose height and parents are known (all of them when the kind was read whole).
  let known: Set<string> | undefined;
  if (complete || edges.length >= READ_WHOLE_MIN) {
    for (const [id, h] of await ops.allHeights(kind)) height.set(id, h);
    for (const e of complete ? edges : await ops.allEdges(kind)) addParent(e);
  } else {
    known = new Set();
  }
  const load = async (ids: Iterable<string>): Promise<void> => {
    if (known === undefined) return;
    const missing = [...ids].filter((id) => !known!.has(id));
    if (missing.length === 0) return;
    for (const id of missing) known.add(id);
    for (const [id, h] of await ops.heights(kind, missing)) height.set(id, h);
    for (const e of await ops.parents(kind, missing)) addParent(e);
  };

  await load(edges.map((e) => e.subject));
  // Level by level: each wave raises resources to (subject + 1) and queues their parents.
  let wave = new Map<string, number>();
  const want = (into: Map<string, number>, id: string, h: number): void => {
    const v = Math.min(h, HEIGHT_CAP);
    if ((into.get(id) ?? -1) < v) into.set(id, v);
  };
  for (const e of edges) want(wave, e.resource, (height.get(e.subject) ?? 0) + 1);
  const raised = new Map<string, number>();
  while (wave.size > 0) {
    await load(wave.keys());
    const next = new Map<string, number>();
    for (const [id, v] of wave) {
      if ((height.get(id) ?? 0) >= v) continue;
      height.set(id, v);
      raised.set(id, v);
      for (const p of parents.get(id) ?? []) want(next, p, v + 1);
    }
    wave = next;
  }
  if (raised.size > 0) await ops.save(kind, raised);
}
