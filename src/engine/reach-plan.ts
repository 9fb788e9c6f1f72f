/**
 * Compiles checks into reachability queries (../store/reach.ts) that a store answers in one
 * recursive statement, where the graph walk makes one read per relation and object.
 *
 * Only union-only parts of a schema compile: relations, permissions made of unions, computed
 * members, `->` arrows and `nil`, down through every subject set and arrow they can reach. At
 * the top of the checked permission, intersections and exclusions of such parts are combined
 * here from the parts' answers. Anything else (`.all` arrows, `self`, nested intersections or
 * exclusions, a caveated relationship on the way, a subject with a relation) is left to the walk.
 *
 * The answers must be the walk's, including its depth errors. Every node carries the depth at
 * which the walk would dispatch it (an upper bound where a member is reachable by several
 * routes); while every node stays below `maxDepth - slack`, the walk cannot have run out of
 * depth, and reachability decides. A query that grows deeper (cyclic or very deep data) is
 * answered by the walk, which reports the depth error exactly. Nodes of a nested relation are
 * not expanded: the store bounds their depth with the nested-set index and decides their
 * membership by walking up from the subject (`nestedKinds`). All parts of one check go to the
 * store as one batch, one statement.
 */
import { ELLIPSIS } from '../core/index.js';
import type { Definition, PermissionExpr, Relation, Schema } from '../schema/index.js';
import {
  HEIGHT_CAP,
  type ReachBatch,
  type ReachHop,
  type ReachNested,
  type ReachQuery,
  type ReachResult,
  type ReachSubject,
  type ReachTerminal,
  type StoreReader,
} from '../store/index.js';

/** How to combine the answers of a batch's parts at the top of the permission. */
export type ReachPlan =
  /** Part `index` of the batch: `query` from the checked resource's member `start`. */
  | { readonly kind: 'leaf'; readonly query: ReachQuery; readonly start: string; readonly index: number }
  | { readonly kind: 'union' | 'intersection'; readonly children: readonly ReachPlan[] }
  | { readonly kind: 'exclusion'; readonly base: ReachPlan; readonly subtract: ReachPlan }
  /** A part the queries cannot answer. */
  | { readonly kind: 'walk' };

/** A plan and the store's batch of its leaves' queries (one statement per check). */
export interface PlannedReach {
  readonly plan: ReachPlan;
  readonly batch: ReachBatch;
}

/** 'member' / 'none' when the queries decide; undefined when the walk must answer. */
export type ReachAnswer = 'member' | 'none' | undefined;

/** One step of a node's evaluation: a relation read in a frame `offset` dispatches below the node, or an arrow. */
type Entry =
  | { readonly kind: 'relation'; readonly relation: Relation; readonly offset: number }
  | { readonly kind: 'arrow'; readonly tupleset: string; readonly computed: string; readonly offset: number };

interface Closure {
  readonly entries: Entry[];
  /** The deepest frame the walk opens while evaluating the node, relative to the node. */
  frames: number;
}

const WALK: ReachPlan = Object.freeze({ kind: 'walk' });

/**
 * The entries of `e` evaluated in a frame `offset` below the node, or undefined for anything
 * that is not union-only. `visiting` holds the permissions being expanded (a permission that
 * computes itself is left to the walk, which reports the depth error).
 */
function closeOver(def: Definition, e: PermissionExpr, offset: number, into: Closure, visiting: Set<string>): boolean {
  switch (e.kind) {
    case 'nil':
      return true;
    case 'computed': {
      const m = def.members.get(e.name);
      // Computed members are dispatched: a frame one deeper, even for a member that does not exist.
      into.frames = Math.max(into.frames, offset + 1);
      if (m === undefined) return true;
      if (m.kind === 'relation') {
        into.entries.push({ kind: 'relation', relation: m, offset: offset + 1 });
        return true;
      }
      if (visiting.has(m.name)) return false;
      visiting.add(m.name);
      const ok = closeOver(def, m.expression, offset + 1, into, visiting);
      visiting.delete(m.name);
      return ok;
    }
    case 'arrow':
      if (e.mode !== 'any') return false;
      into.entries.push({ kind: 'arrow', tupleset: e.tupleset, computed: e.computed, offset });
      return true;
    case 'union':
      return e.children.every((c) => closeOver(def, c, offset, into, visiting));
    default:
      return false;
  }
}

/** How the walk evaluates a dispatched member `type#member`, or undefined when it is not union-only. */
function memberClosure(schema: Schema, type: string, member: string): Closure | undefined {
  const def = schema.definitions.get(type);
  const m = def?.members.get(member);
  const into: Closure = { entries: [], frames: 0 };
  if (def === undefined || m === undefined) return into;
  if (m.kind === 'relation') {
    into.entries.push({ kind: 'relation', relation: m, offset: 0 });
    return into;
  }
  return closeOver(def, m.expression, 0, into, new Set([member])) ? into : undefined;
}

function definitionsWith(schema: Schema, member: string): string[] {
  const out: string[] = [];
  for (const [name, def] of schema.definitions) if (def.members.has(member)) out.push(name);
  return out.sort();
}

/**
 * The arrows among a node's entries that another arrow over the same tupleset makes redundant:
 * `parent->edit` beside `parent->view` when `view` includes `edit`. The other arrow's node
 * reads, on the same objects, every relation the redundant one's would (and follows every arrow
 * it would), each at least as deep, and opens frames at least as deep, so the query reaches the
 * same subjects and sees a depth at least as great without the redundant nodes. On a folder
 * chain that is one node per folder instead of three (view, edit, manage).
 */
function redundantArrows(schema: Schema, type: string, entries: readonly Entry[]): Set<Entry> {
  const out = new Set<Entry>();
  const arrows = entries.filter((e): e is ArrowEntry => e.kind === 'arrow');
  for (const b of arrows) {
    for (const a of arrows) {
      if (a === b || out.has(a) || a.tupleset !== b.tupleset || a.computed === b.computed) continue;
      if (arrowCovers(schema, arrowTargets(schema, type, a), arrowTargets(schema, type, b), a, b)) {
        out.add(b);
        break;
      }
    }
  }
  return out;
}

type ArrowEntry = Extract<Entry, { kind: 'arrow' }>;

/**
 * The types an arrow's hop follows (subject types of the tupleset that have the computed
 * member) and its strays (types with the member that the tupleset does not allow; see ReachHop).
 */
function arrowTargets(schema: Schema, type: string, e: ArrowEntry): { followed: string[]; strays: string[] } {
  const targets = definitionsWith(schema, e.computed);
  const tupleset = schema.definitions.get(type)?.members.get(e.tupleset);
  const allowed = new Set(tupleset?.kind === 'relation' ? tupleset.allowedTypes.filter((at) => !at.wildcard).map((at) => at.type) : []);
  return { followed: targets.filter((t) => allowed.has(t)), strays: targets.filter((t) => !allowed.has(t)) };
}

/** Whether arrow `a`'s nodes cover arrow `b`'s (see redundantArrows): every row b follows, a follows, into a covering member. */
function arrowCovers(
  schema: Schema,
  at: { followed: string[]; strays: string[] },
  bt: { followed: string[]; strays: string[] },
  a: ArrowEntry,
  b: ArrowEntry,
): boolean {
  if (!bt.followed.every((t) => at.followed.includes(t)) || !bt.strays.every((t) => at.strays.includes(t))) return false;
  // How much deeper a's nodes sit than b's.
  const shift = a.offset - b.offset;
  return bt.followed.every((t) => {
    const x = memberClosure(schema, t, a.computed);
    const y = memberClosure(schema, t, b.computed);
    if (x === undefined || y === undefined || shift + x.frames < y.frames) return false;
    return y.entries.every((ey) =>
      x.entries.some((ex) =>
        ey.kind === 'relation'
          ? ex.kind === 'relation' && ex.relation === ey.relation && shift + ex.offset >= ey.offset
          : ex.kind === 'arrow' && ex.tupleset === ey.tupleset && ex.computed === ey.computed && shift + ex.offset >= ey.offset,
      ),
    );
  });
}

/**
 * The query for a part evaluated in the frame of the checked resource (`start` is its member
 * name, real or synthetic), or undefined when something it reaches is not union-only.
 */
function compileLeaf(
  schema: Schema,
  type: string,
  start: string,
  closure: Closure,
  subjectType: string,
  maxDepth: number,
): ReachQuery | undefined {
  const hops = new Map<string, ReachHop>();
  const terminals = new Map<string, ReachTerminal>();
  const seen = new Set<string>();
  let slack = 0;
  const todo: { type: string; member: string; closure: Closure }[] = [{ type, member: start, closure }];
  const enqueue = (t: string, member: string): boolean => {
    if (seen.has(`${t}#${member}`)) return true;
    const c = memberClosure(schema, t, member);
    if (c === undefined) return false;
    todo.push({ type: t, member, closure: c });
    seen.add(`${t}#${member}`);
    return true;
  };
  seen.add(`${type}#${start}`);
  const hop = (h: ReachHop): void => {
    const key = `${h.fromType}#${h.fromMember}\u0000${h.relation}\u0000${h.subjectTypes.join(',')}\u0000${h.subjectRelation ?? ''}\u0000${h.to}`;
    const known = hops.get(key);
    if (known === undefined || known.depth < h.depth) hops.set(key, h);
  };
  for (let node = todo.pop(); node !== undefined; node = todo.pop()) {
    const from = { fromType: node.type, fromMember: node.member };
    slack = Math.max(slack, node.closure.frames);
    const redundant = redundantArrows(schema, node.type, node.closure.entries);
    for (const e of node.closure.entries) {
      slack = Math.max(slack, e.offset);
      if (redundant.has(e)) continue;
      if (e.kind === 'arrow') {
        // The walk follows every subject type that has the computed member; the schema says
        // which of them the tupleset can hold. Rows of the others cannot have been written
        // (writes and schema changes are validated), but if one is there the walk answers.
        const { followed, strays } = arrowTargets(schema, node.type, e);
        if (followed.length + strays.length === 0) continue;
        hop({
          ...from,
          relation: e.tupleset,
          subjectTypes: followed,
          ...(strays.length > 0 ? { strayTypes: strays } : {}),
          to: e.computed,
          depth: e.offset + 1,
        });
        for (const t of followed) if (!enqueue(t, e.computed)) return undefined;
        continue;
      }
      let direct = false;
      let wildcard = false;
      for (const at of e.relation.allowedTypes) {
        const rel = at.relation === ELLIPSIS ? undefined : at.relation;
        if (at.wildcard) {
          if (at.type === subjectType) wildcard = true;
        } else if (rel === undefined) {
          if (at.type === subjectType) direct = true;
        } else {
          hop({ ...from, relation: e.relation.name, subjectTypes: [at.type], subjectRelation: rel, to: rel, depth: e.offset + 1 });
          if (!enqueue(at.type, rel)) return undefined;
        }
      }
      if (direct || wildcard)
        terminals.set(`${node.type}#${node.member}\u0000${e.relation.name}`, { ...from, relation: e.relation.name, direct, wildcard });
    }
  }
  const depthLimit = maxDepth - slack;
  if (depthLimit <= 0) return undefined;
  const nested = depthLimit < HEIGHT_CAP ? nestedKinds(schema, seen, hops, terminals) : [];
  const h = [...hops.values()];
  const t = [...terminals.values()];
  return { key: JSON.stringify([depthLimit, h, t, nested]), hops: h, terminals: t, nested, depthLimit };
}

/**
 * The nodes among `seen` that are nested relations (`group#member: user | group#member`): their
 * only hop is the relation's own rows back into the same type and relation. Their hop and
 * terminal are taken out of `hops` and `terminals`; the store answers them by walking up from
 * the subject instead, bounded by the nested-set index (../store/nested-heights.ts).
 */
function nestedKinds(
  schema: Schema,
  seen: ReadonlySet<string>,
  hops: Map<string, ReachHop>,
  terminals: Map<string, ReachTerminal>,
): ReachNested[] {
  const out: ReachNested[] = [];
  for (const node of [...seen].sort()) {
    const at = node.indexOf('#');
    const type = node.slice(0, at);
    const member = node.slice(at + 1);
    if (schema.definitions.get(type)?.members.get(member)?.kind !== 'relation') continue;
    const from = [...hops].filter(([, h]) => h.fromType === type && h.fromMember === member);
    const only = from.length === 1 ? from[0]![1] : undefined;
    const self =
      only !== undefined &&
      only.relation === member &&
      only.subjectRelation === member &&
      only.to === member &&
      only.subjectTypes.length === 1 &&
      only.subjectTypes[0] === type;
    if (!self) continue;
    hops.delete(from[0]![0]);
    const terminalKey = `${type}#${member}\u0000${member}`;
    const terminal = terminals.get(terminalKey);
    terminals.delete(terminalKey);
    out.push({ type, relation: member, depth: only.depth, direct: terminal?.direct ?? false, wildcard: terminal?.wildcard ?? false });
  }
  return out;
}

/** Plans for `type#member` and a subject type, per schema (compiled schemas are immutable). */
export class ReachPlanner {
  private readonly plans = new WeakMap<Schema, Map<string, PlannedReach | undefined>>();

  constructor(private readonly maxDepth: number) {}

  /** The plan, or undefined when the queries could answer no part of it. */
  plan(schema: Schema, type: string, member: string, subjectType: string): PlannedReach | undefined {
    let bySchema = this.plans.get(schema);
    if (bySchema === undefined) this.plans.set(schema, (bySchema = new Map()));
    const key = `${type}#${member}@${subjectType}`;
    if (bySchema.has(key)) return bySchema.get(key);
    const parts: ReachBatch['parts'][number][] = [];
    const plan = this.build(schema, type, member, subjectType, parts);
    const useful =
      plan !== undefined && plan.kind !== 'walk'
        ? { plan, batch: { key: JSON.stringify(parts.map((p) => [p.member, p.query.key])), parts } }
        : undefined;
    bySchema.set(key, useful);
    return useful;
  }

  private build(
    schema: Schema,
    type: string,
    member: string,
    subjectType: string,
    parts: ReachBatch['parts'][number][],
  ): ReachPlan | undefined {
    const def = schema.definitions.get(type);
    const m = def?.members.get(member);
    if (def === undefined || m === undefined) return undefined;
    const leaf = (start: string, closure: Closure): ReachPlan => {
      const query = compileLeaf(schema, type, start, closure, subjectType, this.maxDepth);
      if (query === undefined) return WALK;
      parts.push({ query, member: start });
      return { kind: 'leaf', query, start, index: parts.length - 1 };
    };
    const whole = memberClosure(schema, type, member);
    if (whole !== undefined) return leaf(member, whole);
    if (m.kind === 'relation') return undefined;
    let synthetic = 0;
    // The top of a permission that is not union-only: its operands are evaluated in the checked
    // resource's own frame, each under a synthetic member name no schema can declare.
    const split = (e: PermissionExpr): ReachPlan => {
      const closure: Closure = { entries: [], frames: 0 };
      if (closeOver(def, e, 0, closure, new Set([member]))) return leaf(`#${member}.${synthetic++}`, closure);
      if (e.kind === 'union' || e.kind === 'intersection') {
        const children = e.children.map(split);
        return children.every((c) => c.kind === 'walk') ? WALK : { kind: e.kind, children };
      }
      if (e.kind === 'exclusion') {
        const base = split(e.base);
        return base.kind === 'walk' ? WALK : { kind: 'exclusion', base, subtract: split(e.subtract) };
      }
      return WALK;
    };
    return split(m.expression);
  }
}

/**
 * Runs a plan for one resource: the batch in one statement, then the plan over its parts'
 * answers. Undefined when some part it needs is left to the walk.
 */
export async function answerPlan(
  planned: PlannedReach,
  reader: StoreReader,
  type: string,
  id: string,
  subject: ReachSubject,
): Promise<ReachAnswer> {
  const results = await reader.reach?.(planned.batch, { type, id }, subject);
  return results === undefined ? undefined : decide(planned.plan, results);
}

function decide(plan: ReachPlan, results: readonly ReachResult[]): ReachAnswer {
  switch (plan.kind) {
    case 'walk':
      return undefined;
    case 'leaf': {
      const r = results[plan.index];
      if (r === undefined || r.maxDepth >= plan.query.depthLimit || r.found === 'caveated') return undefined;
      return r.found === 'clean' ? 'member' : 'none';
    }
    case 'union':
    case 'intersection': {
      // A member decides a union and a non-member an intersection, whatever the other operands.
      const decisive = plan.kind === 'union' ? 'member' : 'none';
      let open = false;
      for (const c of plan.children) {
        const a = decide(c, results);
        if (a === decisive) return a;
        if (a === undefined) open = true;
      }
      return open ? undefined : plan.kind === 'union' ? 'none' : 'member';
    }
    case 'exclusion': {
      const base = decide(plan.base, results);
      if (base !== 'member') return base;
      const subtract = decide(plan.subtract, results);
      return subtract === undefined ? undefined : subtract === 'member' ? 'none' : 'member';
    }
  }
}
