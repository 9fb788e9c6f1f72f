/**
 * Sets of subjects of one type (and subject relation) with SpiceDB's wildcard algebra
 * (reference §5.2): concrete subjects plus an optional `*` with excluded subjects, each entry
 * carrying its outcome and, for validation files, the direct relations it was found through.
 *
 * Meaning: value(x) = concrete(x) OR (wildcard AND NOT exclusion(x)). Operations keep that
 * meaning exactly; where a wildcard cannot express a subject's value, the subject is fully
 * excluded from the wildcard and its exact value kept as a concrete entry.
 */
import { MEMBER, andNotOutcome, andOutcome, orOutcome, type Outcome } from './outcome.js';

export interface Found {
  readonly outcome: Outcome;
  readonly parents: ReadonlySet<string>;
}

export interface WildcardFound extends Found {
  readonly exclusions: ReadonlyMap<string, Outcome>;
}

export interface SubjectSet {
  readonly concrete: ReadonlyMap<string, Found>;
  readonly wildcard?: WildcardFound;
}

export const EMPTY_SET: SubjectSet = { concrete: new Map() };
const NO_PARENTS: ReadonlySet<string> = new Set();

function unionParents(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a.size === 0) return b;
  if (b.size === 0 || a === b) return a;
  return new Set([...a, ...b]);
}

function orFound(a: Found | undefined, b: Found | undefined): Found | undefined {
  if (!a) return b;
  if (!b) return a;
  const outcome = orOutcome(a.outcome, b.outcome) as Outcome;
  return { outcome, parents: unionParents(a.parents, b.parents) };
}

function andFound(a: Found | undefined, b: Found | undefined): Found | undefined {
  if (!a || !b) return undefined;
  const outcome = andOutcome(a.outcome, b.outcome);
  return outcome ? { outcome, parents: unionParents(a.parents, b.parents) } : undefined;
}

function andNotFound(a: Found | undefined, b: Found | undefined): Found | undefined {
  if (!a) return undefined;
  const outcome = andNotOutcome(a.outcome, b?.outcome);
  return outcome ? { outcome, parents: a.parents } : undefined;
}

/** The wildcard's contribution to subject `x`. */
function wildcardAt(w: WildcardFound | undefined, x: string): Found | undefined {
  if (!w) return undefined;
  const outcome = andNotOutcome(w.outcome, w.exclusions.get(x));
  return outcome ? { outcome, parents: w.parents } : undefined;
}

export function valueAt(s: SubjectSet, x: string): Found | undefined {
  return orFound(s.concrete.get(x), wildcardAt(s.wildcard, x));
}

export function single(id: string, outcome: Outcome, parents: ReadonlySet<string> = NO_PARENTS): SubjectSet {
  return id === '*'
    ? { concrete: new Map(), wildcard: { outcome, parents, exclusions: new Map() } }
    : { concrete: new Map([[id, { outcome, parents }]]) };
}

function make(concrete: Map<string, Found>, wildcard: WildcardFound | undefined): SubjectSet {
  return wildcard ? { concrete, wildcard } : { concrete };
}

export function union(a: SubjectSet, b: SubjectSet): SubjectSet {
  if (a.concrete.size === 0 && !a.wildcard) return b;
  if (b.concrete.size === 0 && !b.wildcard) return a;
  // Copy the larger side and fold the smaller one in (OR is symmetric).
  const [big, small] = a.concrete.size >= b.concrete.size ? [a.concrete, b.concrete] : [b.concrete, a.concrete];
  const concrete = new Map(big);
  for (const [x, f] of small) concrete.set(x, orFound(concrete.get(x), f) as Found);
  const wa = a.wildcard;
  const wb = b.wildcard;
  if (!wa || !wb) return make(concrete, wa ?? wb);
  const outcome = orOutcome(wa.outcome, wb.outcome) as Outcome;
  const parents = unionParents(wa.parents, wb.parents);
  const exclusions = new Map<string, Outcome>();
  if (wa.outcome.kind === 'member' && wb.outcome.kind === 'member') {
    // Unconditional wildcards: a subject is excluded only if both sides exclude it.
    for (const [x, ea] of wa.exclusions) {
      const both = andOutcome(ea, wb.exclusions.get(x));
      if (both) exclusions.set(x, both);
    }
  } else {
    for (const x of new Set([...wa.exclusions.keys(), ...wb.exclusions.keys()])) {
      const exact = orFound(wildcardAt(wa, x), wildcardAt(wb, x));
      const merged = orFound(concrete.get(x), exact);
      if (merged) concrete.set(x, merged);
      exclusions.set(x, MEMBER);
    }
  }
  return make(concrete, { outcome, parents, exclusions });
}

export function intersect(a: SubjectSet, b: SubjectSet): SubjectSet {
  const concrete = new Map<string, Found>();
  for (const x of new Set([...a.concrete.keys(), ...b.concrete.keys()])) {
    const v = andFound(valueAt(a, x), valueAt(b, x));
    if (v) concrete.set(x, v);
  }
  const wa = a.wildcard;
  const wb = b.wildcard;
  if (!wa || !wb) return make(concrete, undefined);
  const outcome = andOutcome(wa.outcome, wb.outcome);
  if (!outcome) return make(concrete, undefined);
  const exclusions = new Map<string, Outcome>();
  for (const x of new Set([...wa.exclusions.keys(), ...wb.exclusions.keys()])) {
    const e = orOutcome(wa.exclusions.get(x), wb.exclusions.get(x));
    if (e) exclusions.set(x, e);
  }
  return make(concrete, { outcome, parents: unionParents(wa.parents, wb.parents), exclusions });
}

export function subtract(a: SubjectSet, b: SubjectSet): SubjectSet {
  if (b.concrete.size === 0 && !b.wildcard) return a;
  const concrete = new Map<string, Found>();
  for (const x of a.concrete.keys()) {
    const v = andNotFound(valueAt(a, x), valueAt(b, x));
    if (v) concrete.set(x, v);
  }
  const wa = a.wildcard;
  if (!wa) return make(concrete, undefined);
  const wb = b.wildcard;
  if (!wb) {
    const exclusions = new Map(wa.exclusions);
    for (const [x, f] of b.concrete) {
      const e = orOutcome(exclusions.get(x), f.outcome);
      if (e) exclusions.set(x, e);
    }
    return make(concrete, { outcome: wa.outcome, parents: wa.parents, exclusions });
  }
  const generic = andNotOutcome(wa.outcome, wb.outcome);
  const exclusions = new Map<string, Outcome>();
  for (const x of new Set([...wa.exclusions.keys(), ...b.concrete.keys(), ...wb.exclusions.keys()])) {
    const exact = andNotFound(wildcardAt(wa, x), valueAt(b, x));
    const merged = orFound(concrete.get(x), exact);
    if (merged) concrete.set(x, merged);
    if (generic) exclusions.set(x, MEMBER);
  }
  return make(concrete, generic ? { outcome: generic, parents: wa.parents, exclusions } : undefined);
}

/** Every subject reached through a caveated relationship carries that caveat too. */
export function withOutcome(s: SubjectSet, o: Outcome): SubjectSet {
  if (o.kind === 'member') return s;
  const concrete = new Map<string, Found>();
  for (const [x, f] of s.concrete) {
    const outcome = andOutcome(o, f.outcome);
    if (outcome) concrete.set(x, { outcome, parents: f.parents });
  }
  const w = s.wildcard;
  const outcome = w ? andOutcome(o, w.outcome) : undefined;
  return make(concrete, w && outcome ? { outcome, parents: w.parents, exclusions: w.exclusions } : undefined);
}

export function isEmpty(s: SubjectSet): boolean {
  return s.concrete.size === 0 && !s.wildcard;
}

/** Union of many sets in one pass over their concrete subjects (no copy per operand). */
export function unionAll(sets: readonly SubjectSet[]): SubjectSet {
  if (sets.length === 0) return EMPTY_SET;
  if (sets.length === 1) return sets[0] as SubjectSet;
  const concrete = new Map<string, Found>();
  let wildcards: SubjectSet | undefined;
  for (const s of sets) {
    for (const [x, f] of s.concrete) concrete.set(x, orFound(concrete.get(x), f) as Found);
    if (s.wildcard) {
      const w: SubjectSet = { concrete: new Map(), wildcard: s.wildcard };
      wildcards = wildcards ? union(wildcards, w) : w;
    }
  }
  return wildcards ? union({ concrete }, wildcards) : { concrete };
}

/**
 * Accumulates many single subjects (the relationships of one relation) without copying the set
 * for each one, which would make wide relations quadratic.
 */
export class SubjectSetBuilder {
  private readonly concrete = new Map<string, Found>();
  private wildcard: Found | undefined;

  add(id: string, outcome: Outcome, parents: ReadonlySet<string> = NO_PARENTS): void {
    const f: Found = { outcome, parents };
    if (id === '*') this.wildcard = orFound(this.wildcard, f);
    else this.concrete.set(id, orFound(this.concrete.get(id), f) as Found);
  }

  build(): SubjectSet {
    const w = this.wildcard;
    return make(this.concrete, w ? { outcome: w.outcome, parents: w.parents, exclusions: new Map() } : undefined);
  }
}
