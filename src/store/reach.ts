/**
 * Reachability queries: a union-only part of a schema, compiled by the engine into a graph over
 * (object, member) nodes, which a store answers in one recursive statement instead of one read
 * per node. The store knows nothing of schemas: the query lists every edge kind by name.
 *
 * A node is (type, id, member, depth). From the start node, a hop follows the rows of one
 * relation on the node's object to new nodes; a terminal looks for a row naming the subject
 * itself (or the wildcard). Depth counts the dispatches the engine's walk would make, so the
 * engine can tell when the walk would have run out of depth.
 */

/** Rows of `relation` on a `from` node's object lead to nodes `(subject type, subject id, to)` at depth + `depth`. */
export interface ReachHop {
  readonly fromType: string;
  readonly fromMember: string;
  readonly relation: string;
  /** Subject types followed. */
  readonly subjectTypes: readonly string[];
  /**
   * Arrows only: subject types the schema does not allow here but the walk would follow if a
   * stored row named one. Such a row yields a node at the query's depth limit, so the query
   * reports itself too deep and the walk answers.
   */
  readonly strayTypes?: readonly string[];
  /** The subject relation a row must have; absent for an arrow, which takes any relation but never the wildcard. */
  readonly subjectRelation?: string;
  readonly to: string;
  readonly depth: number;
}

/** A row of `relation` on a `from` node's object naming the subject (`direct`) or its type's wildcard reaches it. */
export interface ReachTerminal {
  readonly fromType: string;
  readonly fromMember: string;
  readonly relation: string;
  readonly direct: boolean;
  readonly wildcard: boolean;
}

/**
 * Nodes `type#relation` of a nested relation (one whose only subject sets are `type#relation`
 * itself, such as `group#member: user | group#member`) are not expanded: such a node reaches the
 * subject when a walk *up* from the subject's own rows of that relation, through nested rows,
 * arrives at it; and the nested-set index (./nested-heights.ts) bounds how deep the walk down
 * from it would have gone: `depth` per nested row, times the node's height.
 */
export interface ReachNested {
  readonly type: string;
  readonly relation: string;
  /** The depth one nested row adds. */
  readonly depth: number;
  /** Rows naming the subject itself / its type's wildcard are members. */
  readonly direct: boolean;
  readonly wildcard: boolean;
}

export interface ReachQuery {
  /** Equal keys mean equal hops, terminals, nested kinds and limit: the store prepares one statement per key. */
  readonly key: string;
  readonly hops: readonly ReachHop[];
  readonly terminals: readonly ReachTerminal[];
  /** Absent or empty: every node is expanded. Hops and terminals never start at a nested node. */
  readonly nested?: readonly ReachNested[];
  /** Nodes at this depth or deeper are not expanded (the result's maxDepth then says so). */
  readonly depthLimit: number;
}

/** Queries from one object, each from its own member, that a store answers in one statement. */
export interface ReachBatch {
  /** Equal keys mean equal parts: the store prepares one statement per key. */
  readonly key: string;
  readonly parts: readonly { readonly query: ReachQuery; readonly member: string }[];
}

/** The object the parts of a batch start from. */
export interface ReachStart {
  readonly type: string;
  readonly id: string;
}

/** A plain subject: `type:id`, no relation, not the wildcard. */
export interface ReachSubject {
  readonly type: string;
  readonly id: string;
}

export interface ReachResult {
  /**
   * 'clean': some path reaches the subject through relationships without caveats;
   * 'caveated': every path that reaches it crosses a caveated relationship; 'none': no path.
   */
  readonly found: 'clean' | 'caveated' | 'none';
  /** The deepest node generated (>= the query's depthLimit when expansion was cut). */
  readonly maxDepth: number;
}
