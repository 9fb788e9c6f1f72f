/**
 * The caveat halves of SpiceDB's conformance files, reproduced at this layer: the caveats are
 * compiled from each file's schema, and each assertion's check is written as the caveat tree
 * the engine would carry for it (union → OR, intersection → AND, exclusion → AND NOT).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../core/index.js';
import { caveatAnd, caveatLeaf, caveatNot, caveatOr, evaluateCaveatExpr, type CaveatExpr } from './caveat-expr.js';
import { compileCaveat } from './compile.js';
import { parseCaveatType } from './parse-type.js';
import type { CaveatParameterType, CaveatResult, CompiledCaveat } from './types.js';

const DIR = '/work/shared/conformance/spicedb';

function caveatsOf(file: string): Map<string, CompiledCaveat> {
  const doc = parseYaml(readFileSync(`${DIR}/${file}`, 'utf8')) as { schema: string };
  const out = new Map<string, CompiledCaveat>();
  for (const m of doc.schema.matchAll(/caveat\s+(\w+)\s*\(([^)]*)\)\s*\{([^}]*)\}/g)) {
    const [, name = '', paramText = '', body = ''] = m;
    const parameters = new Map<string, CaveatParameterType>();
    for (const p of paramText.split(',')) {
      const [pname = '', ...typeWords] = p.trim().split(/\s+/);
      const t = parseCaveatType(typeWords.join(' '));
      if ('error' in t) throw new Error(t.error);
      parameters.set(pname, t.type);
    }
    const compiled = compileCaveat(name, parameters, body.trim());
    if ('errors' in compiled) throw new Error(compiled.errors.map((e) => e.message).join('; '));
    out.set(name, compiled.caveat);
  }
  return out;
}

type Expectation = 'true' | 'false' | 'caveated';

function check(caveats: Map<string, CompiledCaveat>, expr: CaveatExpr, context: JsonObject): Expectation {
  const r: CaveatResult = evaluateCaveatExpr(expr, (n) => caveats.get(n), context);
  return r.kind === 'partial' ? 'caveated' : r.kind;
}

describe('conformance caveat files', () => {
  it('allopscaveat.yaml: has_permission = (reader & writer) - banned', () => {
    const cav = caveatsOf('allopscaveat.yaml');
    const notbanned = caveatAnd(
      caveatLeaf('some_caveat', { somecondition: 42 }),
      caveatLeaf('another_caveat', { anothercondition: 'hello world' }),
    );
    expect(check(cav, notbanned, {})).toBe('true');
    const possiblybanned = caveatNot(caveatLeaf('third_caveat'));
    expect(check(cav, possiblybanned, { thirdcondition: false })).toBe('true');
    expect(check(cav, possiblybanned, {})).toBe('caveated');
    expect(check(cav, possiblybanned, { thirdcondition: true })).toBe('false');
    expect(check(cav, caveatNot(caveatLeaf('third_caveat', { thirdcondition: true })), {})).toBe('false');
    const caveatedreader = caveatLeaf('some_caveat');
    expect(check(cav, caveatedreader, { somecondition: 42 })).toBe('true');
    expect(check(cav, caveatedreader, {})).toBe('caveated');
    expect(check(cav, caveatedreader, { somecondition: 41 })).toBe('false');
    const caveatedwriter = caveatLeaf('another_caveat');
    expect(check(cav, caveatedwriter, { anothercondition: 'hello world' })).toBe('true');
    expect(check(cav, caveatedwriter, {})).toBe('caveated');
    expect(check(cav, caveatedwriter, { anothercondition: 'hi there' })).toBe('false');
  });

  it('caveatlist.yaml: somelist.all(i, i >= 42)', () => {
    const cav = caveatsOf('caveatlist.yaml');
    expect(check(cav, caveatLeaf('some_caveat', { somelist: [42, 43] }), {})).toBe('true');
    expect(check(cav, caveatLeaf('some_caveat'), { somelist: [] })).toBe('true');
    expect(check(cav, caveatLeaf('some_caveat'), { somelist: [56] })).toBe('true');
    expect(check(cav, caveatLeaf('some_caveat'), {})).toBe('caveated');
    expect(check(cav, caveatLeaf('some_caveat', { somelist: [42, 41] }), {})).toBe('false');
    expect(check(cav, caveatLeaf('some_caveat'), { somelist: [12] })).toBe('false');
  });

  it('caveatmap.yaml: somemap.foo == 42 && somemap.bar < 56', () => {
    const cav = caveatsOf('caveatmap.yaml');
    expect(check(cav, caveatLeaf('some_caveat', { somemap: { foo: 42, bar: 10 } }), {})).toBe('true');
    expect(check(cav, caveatLeaf('some_caveat'), { somemap: { foo: 42, bar: -2 } })).toBe('true');
    expect(check(cav, caveatLeaf('some_caveat'), {})).toBe('caveated');
    expect(check(cav, caveatLeaf('some_caveat', { somemap: { foo: 42, bar: 57 } }), {})).toBe('false');
    expect(check(cav, caveatLeaf('some_caveat'), { somemap: { foo: 41 } })).toBe('false');
    expect(check(cav, caveatLeaf('some_caveat'), { somemap: { foo: 42, bar: 56 } })).toBe('false');
  });

  it('caveatunderarrow.yaml: the same caveat on both hops', () => {
    const cav = caveatsOf('caveatunderarrow.yaml');
    const tree = caveatAnd(caveatLeaf('some_caveat'), caveatLeaf('some_caveat'));
    expect(check(cav, tree, { somevalue: 42 })).toBe('true');
    expect(check(cav, tree, { somevalue: 41 })).toBe('false');
  });

  it('caveatedintersectionarrow.yaml: team.all(member)', () => {
    const cav = caveatsOf('caveatedintersectionarrow.yaml');
    const first = caveatAnd(caveatLeaf('teamcaveat'), caveatLeaf('membercaveat'));
    expect(check(cav, first, { memberparam: 42, teamparam: 41 })).toBe('true');
    expect(check(cav, first, {})).toBe('caveated');
    expect(check(cav, first, { memberparam: 42 })).toBe('caveated');
    expect(check(cav, first, { teamparam: 41 })).toBe('caveated');
    expect(check(cav, first, { memberparam: 1, teamparam: 41 })).toBe('false');
    expect(check(cav, first, { memberparam: 42, teamparam: 100 })).toBe('false');
    expect(check(cav, first, { memberparam: 1, teamparam: 100 })).toBe('false');
    // Every team must reach tom: AND over teams of (team caveat AND member caveat).
    const overTeams = (t1: number, m1: number, t2: number, m2: number): CaveatExpr =>
      caveatAnd(
        caveatLeaf('teamcaveat', { teamparam: t1 }),
        caveatLeaf('membercaveat', { memberparam: m1 }),
        caveatLeaf('teamcaveat', { teamparam: t2 }),
        caveatLeaf('membercaveat', { memberparam: m2 }),
      );
    expect(check(cav, overTeams(1, 43, 2, 44), {})).toBe('true');
    expect(check(cav, overTeams(100, 43, 2, 44), {})).toBe('false');
    expect(check(cav, overTeams(1, 3, 2, 44), {})).toBe('false');
  });

  it('caveatindirectarrow.yaml: me in admin_teams', () => {
    const cav = caveatsOf('caveatindirectarrow.yaml');
    expect(check(cav, caveatLeaf('team_is_admin', { me: 'A' }), { admin_teams: ['A'] })).toBe('true');
    expect(check(cav, caveatLeaf('team_is_admin', { me: 'A' }), {})).toBe('caveated');
    expect(check(cav, caveatLeaf('team_is_admin', { me: 'A' }), { admin_teams: ['B'] })).toBe('false');
  });

  it('multibranchcaveatwitharrows.yaml: either group branch may match', () => {
    const cav = caveatsOf('multibranchcaveatwitharrows.yaml');
    const tree = caveatOr(caveatLeaf('equals', { required: 'admin' }), caveatLeaf('equals', { required: 'manager' }));
    expect(check(cav, tree, { actual: 'admin' })).toBe('true');
    expect(check(cav, tree, { actual: 'manager' })).toBe('true');
    expect(check(cav, tree, { actual: 'unknown' })).toBe('false');
  });

  it('publiccaveatexclusion.yaml: view = viewer - banned (banned user:* with some_caveat)', () => {
    const cav = caveatsOf('publiccaveatexclusion.yaml');
    const fred = caveatNot(caveatLeaf('some_caveat'));
    expect(check(cav, fred, { somecondition: 41 })).toBe('true');
    expect(check(cav, fred, {})).toBe('caveated');
    expect(check(cav, fred, { somecondition: 42 })).toBe('false');
    expect(evaluateCaveatExpr(fred, (n) => cav.get(n), {})).toEqual({ kind: 'partial', missing: ['somecondition'] });
  });
});
