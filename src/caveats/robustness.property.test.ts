import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaveatEvaluationError, type JsonValue } from '../core/index.js';
import { compileCaveat } from './compile.js';
import { params } from './test-helpers.js';

const SPEC = { i: 'int', s: 'string', l: 'list<int>', m: 'map<any>', d: 'double', b: 'bool', ip: 'ipaddress' };

/** Random, mostly well-typed expressions over the parameters above (int, bool and string kinds). */
const arbs = fc.letrec<{ int: string; bool: string; str: string }>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('i', '1', '0', '-7', 'size(l)', 'size(s)', 'l[0]', 'int(d)', 'm.k'),
    fc.tuple(tie('int'), fc.constantFrom('+', '-', '*', '/', '%'), tie('int')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('bool'), tie('int'), tie('int')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('b', 'true', 'false', 'has(m.k)', 'ip.in_cidr("10.0.0.0/8")', 'ip.in_cidr(s)', '(m.j == null)'),
    fc.tuple(tie('int'), fc.constantFrom('==', '!=', '<', '<=', '>', '>='), tie('int')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc
      .tuple(tie('str'), fc.constantFrom('==', '<', 'in'), tie('str'))
      .map(([a, op, b]) => (op === 'in' ? `(${a} in [${b}, "x"])` : `(${a} ${op} ${b})`)),
    fc.tuple(tie('bool'), fc.constantFrom('&&', '||', '=='), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('bool').map((a) => `!(${a})`),
    tie('int').map((a) => `l.all(x, x > ${a})`),
    tie('int').map((a) => `l.exists_one(x, x == ${a})`),
    tie('int').map((a) => `(${a} in l)`),
    tie('str').map((a) => `(${a} in m)`),
    tie('str').map((a) => `s.startsWith(${a})`),
    tie('int').map((a) => `l.map(x, x * ${a}).exists(y, y > 2)`),
  ),
  str: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('s', '"x"', '""', '"10.0.0.0/8"'),
    tie('int').map((a) => `string(${a})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `(${a} + ${b})`),
  ),
}));
const exprArb = fc.oneof(arbs.bool, arbs.bool, arbs.int, arbs.str);

const contextArb = fc.record(
  {
    i: fc.oneof(fc.integer(), fc.constant('12')),
    s: fc.string({ maxLength: 4 }),
    l: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }),
    m: fc.dictionary(fc.constantFrom('k', 'j'), fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.constant(null))) as fc.Arbitrary<
      Record<string, JsonValue>
    >,
    d: fc.double({ noNaN: true, noDefaultInfinity: true }),
    b: fc.boolean(),
    ip: fc.constantFrom('10.0.0.1', '::1'),
  },
  { requiredKeys: [] },
);

describe('robustness', () => {
  it('type-checks every well-typed boolean expression of the generator', () => {
    const declared = params(SPEC);
    fc.assert(
      fc.property(arbs.bool, (body) => {
        const expression = `${body} || (i == 0 && s == "" && size(l) == 0 && has(m.k) && d == 0.0 && b && ip.in_cidr("0.0.0.0/0"))`;
        const compiled = compileCaveat('r', declared, expression);
        expect('errors' in compiled ? compiled.errors : []).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('either refuses an expression at compile time or evaluates it to a result or a CaveatEvaluationError', () => {
    const declared = params(SPEC);
    fc.assert(
      fc.property(exprArb, contextArb, (body, context) => {
        // Mention every parameter so that only the random part decides whether it compiles.
        const expression = `(${body}) == true || (i == 0 && s == "" && size(l) == 0 && has(m.k) && d == 0.0 && b && ip.in_cidr("0.0.0.0/0"))`;
        const compiled = compileCaveat('r', declared, expression);
        if ('errors' in compiled) {
          expect(compiled.errors.length).toBeGreaterThan(0);
          return;
        }
        try {
          const r = compiled.caveat.evaluate(context);
          expect(['true', 'false', 'partial']).toContain(r.kind);
          if (r.kind === 'partial') {
            for (const name of r.missing) expect(Object.keys(context)).not.toContain(name);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(CaveatEvaluationError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
