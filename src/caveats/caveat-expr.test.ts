import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaveatNotFoundError, type JsonObject } from '../core/index.js';
import {
  andConditions,
  caveatAnd,
  caveatExprToString,
  caveatLeaf,
  caveatNot,
  caveatOr,
  evaluateCaveatExpr,
  orConditions,
  type CaveatExpr,
} from './caveat-expr.js';
import { compileOk, expectThrows } from './test-helpers.js';
import type { CaveatResult, CompiledCaveat } from './types.js';

const a = caveatLeaf('a');
const b = caveatLeaf('b', { x: 1 });
const c = caveatLeaf('c');

describe('constructors', () => {
  it('drops an empty context from a leaf', () => {
    expect(caveatLeaf('a', {})).toEqual({ kind: 'caveat', name: 'a' });
    expect(caveatLeaf('a', { x: 1 })).toEqual({ kind: 'caveat', name: 'a', context: { x: 1 } });
  });

  it('flattens nested ANDs and ORs and unwraps single operands', () => {
    expect(caveatAnd(a, caveatAnd(b, c))).toEqual({ kind: 'and', children: [a, b, c] });
    expect(caveatOr(caveatOr(a, b), c)).toEqual({ kind: 'or', children: [a, b, c] });
    expect(caveatAnd(a, caveatOr(b, c))).toEqual({ kind: 'and', children: [a, { kind: 'or', children: [b, c] }] });
    expect(caveatAnd(a)).toBe(a);
    expectThrows(() => caveatOr(), new RangeError('caveat or needs at least one operand'));
  });

  it('cancels double negation', () => {
    expect(caveatNot(caveatNot(a))).toBe(a);
    expect(caveatNot(a)).toEqual({ kind: 'not', child: a });
  });

  it('treats undefined as unconditionally true in andConditions/orConditions', () => {
    expect(andConditions(undefined, a)).toBe(a);
    expect(andConditions(a, undefined)).toBe(a);
    expect(andConditions(undefined, undefined)).toBeUndefined();
    expect(andConditions(a, c)).toEqual({ kind: 'and', children: [a, c] });
    expect(orConditions(undefined, a)).toBeUndefined();
    expect(orConditions(a, c)).toEqual({ kind: 'or', children: [a, c] });
  });
});

describe('caveatExprToString', () => {
  it('prints operators, contexts with sorted keys, and parentheses where needed', () => {
    const ctx = caveatLeaf('d', { z: [1, { b: true, a: null }], a: 'x' });
    expect(caveatExprToString(caveatOr(caveatAnd(a, caveatNot(b)), caveatNot(caveatOr(c, ctx))))).toBe(
      '(a && !b:{"x":1}) || !(c || d:{"a":"x","z":[1,{"a":null,"b":true}]})',
    );
  });
});

describe('evaluateCaveatExpr', () => {
  const caveats = new Map<string, CompiledCaveat>([
    ['is_x', compileOk({ x: 'int' }, 'x == 1', 'is_x')],
    ['is_y', compileOk({ y: 'int' }, 'y == 1', 'is_y')],
  ]);
  const lookup = (name: string): CompiledCaveat | undefined => caveats.get(name);

  it('lets the relationship context win over the request context', () => {
    expect(evaluateCaveatExpr(caveatLeaf('is_x', { x: 1 }), lookup, { x: 2 })).toEqual({ kind: 'true' });
    expect(evaluateCaveatExpr(caveatLeaf('is_x', { x: 2 }), lookup, { x: 1 })).toEqual({ kind: 'false' });
    expect(evaluateCaveatExpr(caveatLeaf('is_x'), lookup, { x: 1 })).toEqual({ kind: 'true' });
  });

  it('applies three-valued logic with sorted, unioned missing names', () => {
    const x = caveatLeaf('is_x');
    const y = caveatLeaf('is_y');
    expect(evaluateCaveatExpr(caveatAnd(y, x), lookup, {})).toEqual({ kind: 'partial', missing: ['x', 'y'] });
    expect(evaluateCaveatExpr(caveatAnd(y, x), lookup, { x: 2 })).toEqual({ kind: 'false' });
    expect(evaluateCaveatExpr(caveatOr(y, x), lookup, { x: 1 })).toEqual({ kind: 'true' });
    expect(evaluateCaveatExpr(caveatOr(y, x), lookup, { x: 2 })).toEqual({ kind: 'partial', missing: ['y'] });
    expect(evaluateCaveatExpr(caveatNot(x), lookup, {})).toEqual({ kind: 'partial', missing: ['x'] });
    expect(evaluateCaveatExpr(caveatNot(x), lookup, { x: 2 })).toEqual({ kind: 'true' });
  });

  it('throws CaveatNotFoundError for an unknown caveat', () => {
    expectThrows(() => evaluateCaveatExpr(caveatLeaf('nope'), lookup, {}), new CaveatNotFoundError('nope'));
  });

  // Leaf i is caveat `c<i>(p<i> bool) { p<i> }`; its parameter comes from the relationship
  // context, from the request context, or nowhere (an unknown).
  type Source = { readonly from: 'relationship' | 'request'; readonly value: boolean } | { readonly from: 'missing' };
  const sourceArb: fc.Arbitrary<Source> = fc.oneof(
    fc.record({ from: fc.constant('relationship' as const), value: fc.boolean() }),
    fc.record({ from: fc.constant('request' as const), value: fc.boolean() }),
    fc.record({ from: fc.constant('missing' as const) }),
  );
  type Shape =
    { readonly leaf: true } | { readonly op: 'and' | 'or'; readonly kids: readonly Shape[] } | { readonly op: 'not'; readonly kid: Shape };
  const shapeArb = fc.letrec<{ shape: Shape }>((tie) => ({
    shape: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant<Shape>({ leaf: true }),
      fc.record({ op: fc.constantFrom('and' as const, 'or' as const), kids: fc.array(tie('shape'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ op: fc.constant('not' as const), kid: tie('shape') }),
    ),
  })).shape;

  const leafCaveats = new Map<string, CompiledCaveat>();
  const leafCaveat = (name: string): CompiledCaveat | undefined => {
    const m = /^c(\d+)$/.exec(name);
    if (!m) return undefined;
    let cav = leafCaveats.get(name);
    if (!cav) {
      cav = compileOk({ [`p${m[1]}`]: 'bool' }, `p${m[1]}`, name);
      leafCaveats.set(name, cav);
    }
    return cav;
  };

  /** Builds a read-once tree: every leaf has its own caveat and parameter. */
  function build(shape: Shape, sources: readonly Source[], request: Record<string, boolean>, counter: { n: number }): CaveatExpr {
    if ('leaf' in shape) {
      const i = counter.n++;
      const src = sources[i % sources.length] ?? { from: 'missing' };
      if (src.from === 'request') request[`p${i}`] = src.value;
      return caveatLeaf(`c${i}`, src.from === 'relationship' ? { [`p${i}`]: src.value } : undefined);
    }
    if (shape.op === 'not') return caveatNot(build(shape.kid, sources, request, counter));
    const kids = shape.kids.map((k) => build(k, sources, request, counter));
    return shape.op === 'and' ? caveatAnd(...kids) : caveatOr(...kids);
  }

  function boolEval(e: CaveatExpr, values: ReadonlyMap<string, boolean>): boolean {
    switch (e.kind) {
      case 'caveat': {
        const p = `p${e.name.slice(1)}`;
        const v = e.context?.[p] ?? values.get(p);
        if (typeof v !== 'boolean') throw new Error(`no value for ${p}`);
        return v;
      }
      case 'not':
        return !boolEval(e.child, values);
      case 'and':
        return e.children.every((k) => boolEval(k, values));
      case 'or':
        return e.children.some((k) => boolEval(k, values));
    }
  }

  /** Every completion of the missing parameters; all agree → that value, else partial. */
  function bruteForce(e: CaveatExpr, request: JsonObject, missing: readonly string[]): CaveatResult {
    const outcomes = new Set<boolean>();
    for (let mask = 0; mask < 1 << missing.length; mask++) {
      const values = new Map<string, boolean>(Object.entries(request) as [string, boolean][]);
      missing.forEach((p, i) => values.set(p, (mask & (1 << i)) !== 0));
      outcomes.add(boolEval(e, values));
    }
    if (outcomes.size === 2) return { kind: 'partial', missing: [...missing].sort() };
    return outcomes.has(true) ? { kind: 'true' } : { kind: 'false' };
  }

  function missingParams(e: CaveatExpr, request: JsonObject): string[] {
    if (e.kind === 'caveat') {
      const p = `p${e.name.slice(1)}`;
      return e.context?.[p] === undefined && request[p] === undefined ? [p] : [];
    }
    if (e.kind === 'not') return missingParams(e.child, request);
    return e.children.flatMap((k) => missingParams(k, request));
  }

  it('agrees with brute force over all completions of the unknowns (read-once trees)', () => {
    fc.assert(
      fc.property(shapeArb, fc.array(sourceArb, { minLength: 1, maxLength: 8 }), (shape, sources) => {
        const request: Record<string, boolean> = {};
        const expr = build(shape, sources, request, { n: 0 });
        const missing = missingParams(expr, request);
        const got = evaluateCaveatExpr(expr, leafCaveat, request);
        const expected = bruteForce(expr, request, missing);
        if (expected.kind !== 'partial') {
          expect(got).toEqual(expected);
        } else {
          // Three-valued logic is exact on read-once trees; its missing list may be narrower
          // than every unknown, since a decided operand of an undecided AND/OR is not reported.
          expect(got.kind).toBe('partial');
          if (got.kind === 'partial') {
            expect(got.missing.length).toBeGreaterThan(0);
            expect(got.missing.every((m) => missing.includes(m))).toBe(true);
            expect([...got.missing].sort()).toEqual(got.missing);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('equals plain boolean evaluation when every leaf is decided', () => {
    fc.assert(
      fc.property(shapeArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.boolean(), (shape, values, viaRequest) => {
        const request: Record<string, boolean> = {};
        const sources: Source[] = values.map((value) => ({ from: viaRequest ? 'request' : 'relationship', value }));
        const expr = build(shape, sources, request, { n: 0 });
        const expected = boolEval(expr, new Map(Object.entries(request)));
        expect(evaluateCaveatExpr(expr, leafCaveat, request)).toEqual({ kind: expected ? 'true' : 'false' });
      }),
      { numRuns: 200 },
    );
  });
});
