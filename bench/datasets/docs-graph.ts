/**
 * The docs model as plain adjacency maps: who is in which group, which folder holds what, who
 * was granted what where. It is the naive oracle for docs questions (independent of Trellis's
 * engine) and the source the peers' entity slices are cut from.
 */
import type { Relationship } from '../../src/core/index.js';
import { appendTo, type CheckQuestion } from './dataset.js';
import { DOCS_GRANTS } from './docs.js';

export interface Grant {
  readonly relation: string;
  /** `user:u1` or `group:g1` (a group grant means its members). */
  readonly subject: string;
}

export class DocsGraph {
  /** `user:u1` / `group:g1` -> groups it is a direct member of. */
  readonly memberOf = new Map<string, string[]>();
  /** `document:d1` / `folder:f1` -> parent folder. */
  readonly parentOf = new Map<string, string>();
  /** `document:d1` / `folder:f1` -> direct grants. */
  readonly grantsOn = new Map<string, Grant[]>();

  constructor(relationships: Iterable<Relationship>) {
    for (const r of relationships) {
      const resource = `${r.resource.type}:${r.resource.id}`;
      const subject = `${r.subject.type}:${r.subject.id}`;
      if (r.resource.type === 'group' && r.relation === 'member') appendTo(this.memberOf, subject, resource);
      else if (r.relation === 'parent') this.parentOf.set(resource, subject);
      else appendTo(this.grantsOn, resource, { relation: r.relation, subject });
    }
  }

  /** The subject itself and every group it belongs to, transitively (cycle-safe). */
  principals(subject: string): Set<string> {
    const seen = new Set<string>([subject]);
    const queue = [subject];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      for (const g of this.memberOf.get(next) ?? []) {
        if (!seen.has(g)) {
          seen.add(g);
          queue.push(g);
        }
      }
    }
    return seen;
  }

  /** The resource and its folder chain, nearest first (cycle-safe). */
  ancestors(resource: string): string[] {
    const chain = [resource];
    const seen = new Set(chain);
    for (let p = this.parentOf.get(resource); p !== undefined && !seen.has(p); p = this.parentOf.get(p)) {
      chain.push(p);
      seen.add(p);
    }
    return chain;
  }

  check(q: CheckQuestion): boolean {
    const relations = DOCS_GRANTS[q.permission as 'view' | 'edit'];
    if (!relations) throw new RangeError(`docs model has no permission ${q.permission}`);
    const principals = this.principals(`${q.subject.type}:${q.subject.id}`);
    for (const at of this.ancestors(`${q.resource.type}:${q.resource.id}`)) {
      for (const g of this.grantsOn.get(at) ?? []) {
        if (relations.includes(g.relation) && principals.has(g.subject)) return true;
      }
    }
    return false;
  }
}
