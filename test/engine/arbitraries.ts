/**
 * fast-check generators of random schemas and data for the engine's property tests. Every
 * resource type has the same member names so arrows are always well-typed:
 *   member (subject sets, recursion), viewer (wildcards, caveats), banned, parent (arrows),
 *   perm_a over relations, perm_b over relations, perm_a and arrows to perm_a/perm_b (recursion through data).
 */
import fc from 'fast-check';
import type { JsonObject, Relationship } from '../../src/core/index.js';

export interface GeneratedCase {
  readonly schema: string;
  readonly relationships: readonly Relationship[];
  readonly types: readonly string[];
}

export const USERS = ['u0', 'u1', 'u2'];
export const IDS = ['a', 'b'];
export const CONTEXTS: readonly JsonObject[] = [{}, { limit: 2 }, { allowed: true }, { limit: 0, allowed: false }];

const CAVEATS = `
caveat small(limit int, used int) {
  used < limit
}
caveat flag(allowed bool) {
  allowed
}`;

type Leaf = string;

function exprArb(leaves: readonly Leaf[], depth: number): fc.Arbitrary<string> {
  const leaf = fc.constantFrom(...leaves);
  if (depth <= 0) return leaf;
  const sub = exprArb(leaves, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} + ${b})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} & ${b})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} - ${b})`) },
  );
}

interface TypeShape {
  readonly member: readonly string[];
  readonly viewer: readonly string[];
  readonly banned: readonly string[];
  readonly parent: readonly string[];
  readonly p1: string;
  readonly p2: string;
}

function shapeArb(types: readonly string[]): fc.Arbitrary<TypeShape> {
  const subset = (options: readonly string[]) => fc.subarray([...options], { minLength: 1 });
  return fc.record({
    member: subset(['user', 'user with small', ...types.map((t) => `${t}#member`)]),
    viewer: subset(['user', 'user:*', 'user with flag', 'user:* with flag', ...types.map((t) => `${t}#member`)]),
    banned: subset(['user', 'user:*', 'user with small']),
    parent: subset(types),
    p1: exprArb(['member', 'viewer', 'banned', '(viewer - banned)', '(viewer - member)', 'parent->member', 'parent.all(member)', 'nil'], 2),
    p2: exprArb(
      [
        'member',
        'viewer',
        'banned',
        'perm_a',
        '(viewer - perm_a)',
        '(perm_a & viewer)',
        'parent->perm_a',
        'parent->perm_b',
        'parent.all(perm_a)',
      ],
      2,
    ),
  });
}

function schemaText(types: readonly string[], shapes: readonly TypeShape[]): string {
  const defs = types.map((t, i) => {
    const s = shapes[i] as TypeShape;
    return `definition ${t} {
  relation member: ${s.member.join(' | ')}
  relation viewer: ${s.viewer.join(' | ')}
  relation banned: ${s.banned.join(' | ')}
  relation parent: ${s.parent.join(' | ')}
  permission perm_a = ${s.p1}
  permission perm_b = ${s.p2}
}`;
  });
  return `${CAVEATS}\ndefinition user {}\n${defs.join('\n')}\n`;
}

/** One relationship for an allowed type spelled as in the schema. */
function relationshipArb(type: string, relation: string, allowed: string): fc.Arbitrary<Relationship> {
  const resource = fc.constantFrom(...IDS).map((id) => ({ type, id }));
  const [base, caveat] = allowed.split(' with ') as [string, string | undefined];
  const caveatArb: fc.Arbitrary<Relationship['caveat'] | undefined> =
    caveat === 'small'
      ? fc.constantFrom<Relationship['caveat']>(
          { name: 'small' },
          { name: 'small', context: { used: 1 } },
          { name: 'small', context: { used: 1, limit: 5 } },
        )
      : caveat === 'flag'
        ? fc.constantFrom<Relationship['caveat']>({ name: 'flag' }, { name: 'flag', context: { allowed: true } })
        : fc.constant(undefined);
  let subject: fc.Arbitrary<Relationship['subject']>;
  if (base === 'user:*') subject = fc.constant({ type: 'user', id: '*' });
  else if (base === 'user') subject = fc.constantFrom(...USERS).map((id) => ({ type: 'user', id }));
  else if (base.includes('#')) {
    const [t, r] = base.split('#') as [string, string];
    subject = fc.constantFrom(...IDS).map((id) => ({ type: t, id, relation: r }));
  } else subject = fc.constantFrom(...IDS).map((id) => ({ type: base, id }));
  return fc
    .tuple(resource, subject, caveatArb)
    .map(([res, sub, cav]) => ({ resource: res, relation, subject: sub, ...(cav ? { caveat: cav } : {}) }));
}

export const caseArb: fc.Arbitrary<GeneratedCase> = fc
  .integer({ min: 1, max: 2 })
  .map((n) => Array.from({ length: n }, (_, i) => `res${i}`))
  .chain((types) =>
    fc.array(shapeArb(types), { minLength: types.length, maxLength: types.length }).chain((shapes) => {
      const options: fc.Arbitrary<Relationship>[] = [];
      types.forEach((t, i) => {
        const s = shapes[i] as TypeShape;
        for (const [relation, allowed] of [
          ['member', s.member],
          ['viewer', s.viewer],
          ['banned', s.banned],
          ['parent', s.parent],
        ] as const) {
          for (const a of allowed) options.push(relationshipArb(t, relation, a));
        }
      });
      return fc.array(fc.oneof(...options), { minLength: 8, maxLength: 30 }).map((list) => {
        // One relationship per resource#relation@subject (identity excludes the caveat).
        const unique = new Map<string, Relationship>();
        for (const r of list)
          unique.set(`${r.resource.type}:${r.resource.id}#${r.relation}@${r.subject.type}:${r.subject.id}#${r.subject.relation ?? ''}`, r);
        return { schema: schemaText(types, shapes), relationships: [...unique.values()], types };
      });
    }),
  );
