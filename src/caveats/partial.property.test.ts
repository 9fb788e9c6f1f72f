import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileOk } from './test-helpers.js';

/** A boolean formula printed as CEL and evaluated by JavaScript as the oracle. */
type F =
  | { readonly k: 'var'; readonly i: number }
  | { readonly k: 'lit'; readonly v: boolean }
  | { readonly k: 'not'; readonly a: F }
  | { readonly k: 'and' | 'or' | 'eq'; readonly a: F; readonly b: F }
  | { readonly k: 'if'; readonly c: F; readonly a: F; readonly b: F };

const VARS = 4;

const formulaArb = fc.letrec<{ f: F }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('var' as const), i: fc.nat(VARS - 1) }),
    fc.record({ k: fc.constant('lit' as const), v: fc.boolean() }),
    fc.record({ k: fc.constant('not' as const), a: tie('f') }),
    fc.record({ k: fc.constantFrom('and' as const, 'or' as const, 'eq' as const), a: tie('f'), b: tie('f') }),
    fc.record({ k: fc.constant('if' as const), c: tie('f'), a: tie('f'), b: tie('f') }),
  ),
})).f;

function print(f: F): string {
  switch (f.k) {
    case 'var':
      return `p${f.i}`;
    case 'lit':
      return String(f.v);
    case 'not':
      return `!(${print(f.a)})`;
    case 'and':
      return `(${print(f.a)} && ${print(f.b)})`;
    case 'or':
      return `(${print(f.a)} || ${print(f.b)})`;
    case 'eq':
      return `(${print(f.a)} == ${print(f.b)})`;
    case 'if':
      return `(${print(f.c)} ? ${print(f.a)} : ${print(f.b)})`;
  }
}

function oracle(f: F, env: readonly boolean[]): boolean {
  switch (f.k) {
    case 'var':
      return env[f.i] ?? false;
    case 'lit':
      return f.v;
    case 'not':
      return !oracle(f.a, env);
    case 'and':
      return oracle(f.a, env) && oracle(f.b, env);
    case 'or':
      return oracle(f.a, env) || oracle(f.b, env);
    case 'eq':
      return oracle(f.a, env) === oracle(f.b, env);
    case 'if':
      return oracle(f.c, env) ? oracle(f.a, env) : oracle(f.b, env);
  }
}

/** Mentions every variable so the caveat compiles (parameters must be used). */
function withAllVars(body: string): string {
  return `${body} || (p0 && p1 && p2 && p3 && false)`;
}

describe('partial evaluation against an oracle', () => {
  it('decides like JavaScript when every parameter is present', () => {
    fc.assert(
      fc.property(formulaArb, fc.array(fc.boolean(), { minLength: VARS, maxLength: VARS }), (f, env) => {
        const spec = { p0: 'bool', p1: 'bool', p2: 'bool', p3: 'bool' };
        const caveat = compileOk(spec, withAllVars(print(f)));
        const context = Object.fromEntries(env.map((v, i) => [`p${i}`, v]));
        expect(caveat.evaluate(context)).toEqual({ kind: oracle(f, env) ? 'true' : 'false' });
      }),
      { numRuns: 200 },
    );
  });

  it('only returns a definite result that every completion of the missing parameters agrees with', () => {
    fc.assert(
      fc.property(
        formulaArb,
        fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: VARS, maxLength: VARS }),
        (f, partialEnv) => {
          const spec = { p0: 'bool', p1: 'bool', p2: 'bool', p3: 'bool' };
          const caveat = compileOk(spec, withAllVars(print(f)));
          const context = Object.fromEntries(partialEnv.flatMap((v, i) => (v === undefined ? [] : [[`p${i}`, v] as const])));
          const missing = partialEnv.flatMap((v, i) => (v === undefined ? [i] : []));
          const outcomes = new Set<boolean>();
          for (let mask = 0; mask < 1 << missing.length; mask++) {
            const env = partialEnv.map((v) => v ?? false);
            missing.forEach((i, bit) => (env[i] = (mask & (1 << bit)) !== 0));
            outcomes.add(oracle(f, env));
          }
          const got = caveat.evaluate(context);
          if (got.kind === 'partial') {
            expect(got.missing.length).toBeGreaterThan(0);
            expect(got.missing.every((m) => missing.map((i) => `p${i}`).includes(m))).toBe(true);
          } else {
            expect([...outcomes]).toEqual([got.kind === 'true']);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
