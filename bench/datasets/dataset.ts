/**
 * What every generated dataset hands the workloads: a schema, its relationships and a fixed list
 * of questions. Answers are never built in: every system, Trellis included, computes them, and
 * the cross-check compares.
 */
import type { ObjectRef, Relationship, SubjectRef } from '../../src/core/index.js';

export interface CheckQuestion {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
}

export interface Dataset {
  /** e.g. `docs-10k`. */
  readonly name: string;
  readonly model: 'docs' | 'orgs' | 'stress';
  readonly schema: string;
  readonly relationships: readonly Relationship[];
  /** Check questions, a mix of allowed and denied, in a fixed order. */
  readonly questions: readonly CheckQuestion[];
}

export function rel(
  resourceType: string,
  resourceId: string,
  relation: string,
  subjectType: string,
  subjectId: string,
  subjectRelation?: string,
): Relationship {
  return {
    resource: { type: resourceType, id: resourceId },
    relation,
    subject:
      subjectRelation === undefined
        ? { type: subjectType, id: subjectId }
        : { type: subjectType, id: subjectId, relation: subjectRelation },
  };
}

export function questionText(q: CheckQuestion): string {
  const s = q.subject;
  return `${q.resource.type}:${q.resource.id}#${q.permission}@${s.type}:${s.id}${s.relation ? `#${s.relation}` : ''}`;
}

/** `10k`, `100k`, `1M`: the size label used in dataset names. */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
