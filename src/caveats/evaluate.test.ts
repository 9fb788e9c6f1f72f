import { describe, expect, it } from 'vitest';
import { CaveatEvaluationError, CaveatParameterTypeError, type JsonObject } from '../core/index.js';
import { compileOk, expectThrows } from './test-helpers.js';
import { validateCaveatContext } from './validate-context.js';
import type { CaveatResult } from './types.js';

const T: CaveatResult = { kind: 'true' };
const F: CaveatResult = { kind: 'false' };
const partial = (...missing: string[]): CaveatResult => ({ kind: 'partial', missing });

function evalWith(spec: Record<string, string>, expression: string, context: JsonObject): CaveatResult {
  return compileOk(spec, expression).evaluate(context);
}

function typeError(spec: Record<string, string>, expression: string, context: JsonObject): CaveatParameterTypeError {
  try {
    compileOk(spec, expression, 'cav').evaluate(context);
  } catch (e) {
    if (e instanceof CaveatParameterTypeError) return e;
    throw e;
  }
  throw new Error('expected a CaveatParameterTypeError');
}

describe('parameter conversion', () => {
  it.each([
    ['int', 'p == 42', { p: 42 }, T],
    ['int', 'p == 42', { p: '42' }, T],
    ['int', 'p == 1000', { p: '1e3' }, T],
    ['int', 'p == -9223372036854775808', { p: '-9223372036854775808' }, T],
    ['int', 'p == 9223372036854775807', { p: '9223372036854775807' }, T],
    ['uint', 'p == 7', { p: 7 }, T],
    ['uint', 'p == 7', { p: '7' }, T],
    ['double', 'p == 1.5', { p: 1.5 }, T],
    ['double', 'p == 2.0', { p: 2 }, T],
    ['double', 'p == 0.25', { p: '0.25' }, T],
    ['bool', 'p', { p: true }, T],
    ['bool', 'p', { p: false }, F],
    ['string', 'p == "hi"', { p: 'hi' }, T],
    ['bytes', 'p == b"hello"', { p: 'aGVsbG8=' }, T],
    ['bytes', 'size(p) == 0', { p: '' }, T],
    ['duration', 'p == duration("1h5m3s")', { p: '1h5m3s' }, T],
    ['duration', 'p == duration("1500ms")', { p: '1.5s' }, T],
    ['duration', 'p < duration("0s")', { p: '-2m' }, T],
    ['timestamp', 'p == timestamp("2024-05-06T07:08:09Z")', { p: '2024-05-06T09:08:09+02:00' }, T],
    ['timestamp', 'p.getHours() == 7', { p: '2024-05-06T09:08:09+02:00' }, T],
    ['timestamp', 'p > timestamp("2024-05-06T07:08:09Z")', { p: '2024-05-06T07:08:09.5Z' }, T],
    ['ipaddress', 'p.in_cidr("10.0.0.0/8")', { p: '10.1.2.3' }, T],
    ['list<int>', 'p == [1, 2]', { p: [1, '2'] }, T],
    ['list<list<string>>', 'p[1][0] == "b"', { p: [['a'], ['b']] }, T],
    ['map<int>', 'p.a == 1 && p["b"] == 2', { p: { a: 1, b: '2' } }, T],
    ['map<list<bool>>', 'p.x[1]', { p: { x: [false, true] } }, T],
    ['any', 'p == 42', { p: 42 }, T],
    ['any', 'p.x[0] == "y"', { p: { x: ['y'] } }, T],
    ['any', 'p == null', { p: null }, T],
  ] as const)('%s `%s` with %j', (type, expression, context, expected) => {
    expect(evalWith({ p: type }, expression, context)).toEqual(expected);
  });

  it('keeps the value of `any` as JSON gives it (numbers are doubles)', () => {
    expect(evalWith({ p: 'any' }, 'type(p) == double', { p: 1 })).toEqual(T);
    expect(evalWith({ p: 'any' }, 'type(p) == string', { p: '1' })).toEqual(T);
  });

  it('ignores context keys that are not parameters', () => {
    expect(evalWith({ p: 'int' }, 'p == 1', { p: 1, other: 'whatever', q: [1] })).toEqual(T);
  });

  it.each([
    ['int', 1.5, 'a int value is required, but found numeric value `1.5`'],
    ['int', '1.5', 'a int value is required, but found numeric value `1.5`'],
    ['int', 'abc', 'a int64 value is required, but found invalid string value `abc`'],
    ['int', true, 'a int64 value is required, but found bool `true`'],
    ['int', null, 'a int64 value is required, but found <nil> `<nil>`'],
    ['int', [1], 'a int64 value is required, but found []interface {} `[1]`'],
    ['uint', -1, 'a uint value is required, but found int64 value `-1`'],
    ['uint', 2.5, 'a uint value is required, but found numeric value `2.5`'],
    ['uint', 'x', 'a uint64 value is required, but found invalid string value `x`'],
    ['double', 'x', 'a float64 value is required, but found invalid string value `x`'],
    ['double', false, 'a float64 value is required, but found bool `false`'],
    ['bool', 1, 'a bool value is required, but found float64 `1`'],
    ['bool', 'true', 'a bool value is required, but found string `true`'],
    ['string', 42, 'a string value is required, but found float64 `42`'],
    ['string', { a: 1 }, 'a string value is required, but found map[string]interface {} `map[a:1]`'],
    ['bytes', 42, 'bytes requires a base64 unicode string, found: float64 `42`'],
    ['bytes', 'ab!d', 'bytes requires a base64 encoded string: illegal base64 data at input byte 2'],
    ['duration', 5, 'durations requires a duration string, found: float64'],
    ['duration', '5', 'could not parse duration string `5`: time: missing unit in duration "5"'],
    ['duration', '1d', 'could not parse duration string `1d`: time: unknown unit "d" in duration "1d"'],
    ['duration', 'soon', 'could not parse duration string `soon`: time: invalid duration "soon"'],
    ['timestamp', 1, 'timestamps requires a RFC 3339 formatted timestamp string, found: float64 `1`'],
    [
      'timestamp',
      '2024-13-01T00:00:00Z',
      'could not parse RFC 3339 formatted timestamp string `2024-13-01T00:00:00Z`: parsing time "2024-13-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00"',
    ],
    ['ipaddress', 7, 'ipaddress requires an ipaddress string, found: float64 `7`'],
    ['ipaddress', '1.2.3', 'could not parse ip address string `1.2.3`: ParseAddr("1.2.3"): unable to parse IP'],
    ['ipaddress', '01.2.3.4', 'could not parse ip address string `01.2.3.4`: ParseAddr("01.2.3.4"): unable to parse IP'],
    ['list<int>', 'x', 'list requires a list, found: string'],
    ['list<int>', [1, 'x'], 'found an invalid value for item at index 1: a int64 value is required, but found invalid string value `x`'],
    ['map<int>', [1], 'map requires a map, found: []interface {}'],
    ['map<int>', { k: true }, 'found an invalid value for key `k`: a int64 value is required, but found bool `true`'],
  ] as const)('refuses %s from %j', (type, value, detail) => {
    const e = typeError({ p: type }, type === 'bool' ? 'p' : 'p == p', { p: value });
    expect(e.message).toBe(`type error for parameters for caveat \`cav\`: could not convert context parameter \`p\`: ${detail}`);
    expect(e.caveat).toBe('cav');
    expect(e.parameter).toBe('p');
  });
});

describe('functions', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', T],
    ['11.0.0.1', '10.0.0.0/8', F],
    ['192.168.1.200', '192.168.1.128/25', T],
    ['192.168.1.100', '192.168.1.128/25', F],
    ['2001:db8::1', '2001:db8::/32', T],
    ['2001:db9::1', '2001:db8::/32', F],
    ['::ffff:10.0.0.1', '10.0.0.0/8', F],
    ['10.0.0.1', '::/0', F],
    ['1.2.3.4', '0.0.0.0/0', T],
  ] as const)('ipaddress %s in_cidr %s', (ip, cidr, expected) => {
    expect(evalWith({ ip: 'ipaddress' }, `ip.in_cidr("${cidr}")`, { ip })).toEqual(expected);
  });

  it('compares ip addresses by value', () => {
    expect(evalWith({ a: 'ipaddress', b: 'ipaddress' }, 'a == b', { a: '2001:db8:0:0::1', b: '2001:db8::1' })).toEqual(T);
    expect(evalWith({ a: 'ipaddress', b: 'ipaddress' }, 'a != b', { a: '10.0.0.1', b: '10.0.0.2' })).toEqual(T);
    expect(evalWith({ a: 'ipaddress', l: 'list<ipaddress>' }, 'a in l', { a: '10.0.0.2', l: ['10.0.0.1', '10.0.0.2'] })).toEqual(T);
    expect(evalWith({ l: 'list<ipaddress>' }, 'l.exists(i, i.in_cidr("10.0.0.0/24"))', { l: ['11.0.0.1', '10.0.0.2'] })).toEqual(T);
  });

  it('fails evaluation on an invalid CIDR', () => {
    expectThrows(
      () => compileOk({ ip: 'ipaddress' }, 'ip.in_cidr("10.0.0.0/33")', 'cav').evaluate({ ip: '10.0.0.1' }),
      new CaveatEvaluationError('cav', 'invalid CIDR string: `10.0.0.0/33`'),
    );
  });

  it.each([
    [{ a: 1 }, { a: 1, b: 2 }, T],
    [{ a: 1, c: 3 }, { a: 1, b: 2 }, F],
    [{ a: { x: 1 } }, { a: { x: 1, y: 2 }, b: 2 }, T],
    [{ a: { x: 1 } }, { a: { x: 2 } }, F],
    [{ a: { x: 1 } }, { a: 1 }, F],
    [{}, { a: 1 }, T],
  ] as const)('isSubtreeOf %j of %j', (m, n, expected) => {
    expect(evalWith({ m: 'map<any>', n: 'map<any>' }, 'm.isSubtreeOf(n)', { m, n })).toEqual(expected);
  });

  it.each([
    ['somelist.all(i, i >= 42)', [42, 43], T],
    ['somelist.all(i, i >= 42)', [], T],
    ['somelist.all(i, i >= 42)', [42, 41], F],
    ['somelist.exists(i, i == 3)', [1, 3], T],
    ['somelist.exists_one(i, i > 1)', [2, 3], F],
    ['somelist.map(i, i * 2) == [2, 4]', [1, 2], T],
    ['somelist.filter(i, i % 2 == 0).size() == 2', [1, 2, 3, 4], T],
    ['size(somelist) == 3 && somelist[2] == 5', [1, 3, 5], T],
    ['7 in somelist', [6, 7], T],
  ] as const)('list macro `%s` over %j', (expression, somelist, expected) => {
    expect(evalWith({ somelist: 'list<int>' }, expression, { somelist })).toEqual(expected);
  });

  it.each([
    [{ l: 'list<int>' }, 'l.map(x, x > 1, x * 10) == [20, 30]', { l: [1, 2, 3] }, T],
    [{ s: 'string' }, 's.startsWith("ab") && s.endsWith("yz") && s.contains("m") && size(s) == 26', { s: 'abcdefghijklmnopqrstuvwxyz' }, T],
    [{ s: 'string' }, 's.matches("^[a-c]+$")', { s: 'abd' }, F],
    [{ a: 'any' }, '{"k": a, "j": 2}.k == "v" && type(a) == string', { a: 'v' }, T],
    [{ x: 'int' }, 'double(x) / 2.0 == 1.5 && string(x) == "3" && x % 2 == 1', { x: 3 }, T],
    [{ b: 'bytes' }, 'b + b"!" == b"hi!"', { b: 'aGk=' }, T],
    [{ d: 'double', i: 'int' }, 'd > double(i) && i < int(d + 1.0)', { d: 2.5, i: 2 }, T],
    [{ m: 'map<any>' }, 'm.a > 2 && m.a < 3u && m.a > 2.0', { m: { a: 2.5 } }, T],
    [{ u: 'uint' }, 'u > 3 && u == 4', { u: '4' }, T],
  ] as const)('%j `%s` with %j', (spec, expression, context, expected) => {
    expect(evalWith(spec, expression, context)).toEqual(expected);
  });

  it('iterates map keys', () => {
    expect(evalWith({ m: 'map<int>' }, 'm.all(k, m[k] > k.size())', { m: { a: 2, bb: 3 } })).toEqual(T);
    expect(evalWith({ m: 'map<int>' }, 'm.exists(k, k == "zz")', { m: { a: 2 } })).toEqual(F);
  });

  it('evaluates timestamps in UTC and durations', () => {
    const spec = { t: 'timestamp', d: 'duration' };
    expect(evalWith(spec, 't + d > timestamp("2020-01-01T00:00:00Z")', { t: '2019-12-31T23:00:00Z', d: '2h' })).toEqual(T);
    expect(evalWith(spec, 't + d > timestamp("2020-01-01T00:00:00Z")', { t: '2019-12-31T23:00:00Z', d: '30m' })).toEqual(F);
    expect(evalWith(spec, 't.getDayOfWeek() == 2 && d.getMinutes() == 90', { t: '2019-12-31T23:00:00Z', d: '1h30m' })).toEqual(T);
  });

  it('reports runtime errors as CaveatEvaluationError', () => {
    const c = compileOk({ a: 'int' }, '10 / a == 1', 'cav');
    expectThrows(() => c.evaluate({ a: 0 }), new CaveatEvaluationError('cav', 'int divide by zero'));
    const m = compileOk({ m: 'map<int>' }, 'm.x == 1', 'cav');
    expectThrows(() => m.evaluate({ m: {} }), new CaveatEvaluationError('cav', 'no such key: x'));
    const t = compileOk({ t: 'timestamp' }, 't < timestamp("not a time")', 'cav');
    expectThrows(
      () => t.evaluate({ t: '2024-01-01T00:00:00Z' }),
      new CaveatEvaluationError(
        'cav',
        'Failed to parse timestamp: Error: cannot decode message google.protobuf.Timestamp from JSON: invalid RFC 3339 string',
      ),
    );
    expect(compileOk({ t: 'timestamp', b: 'bool' }, 'b || t < timestamp("not a time")').evaluate({ b: true })).toEqual(T);
    const l = compileOk({ l: 'list<int>' }, 'l[3] == 1', 'cav');
    expectThrows(() => l.evaluate({ l: [1] }), new CaveatEvaluationError('cav', "index '3' out of range in list size '1'"));
  });
});

describe('partial evaluation (missing parameters)', () => {
  it.each([
    [{ a: 'int' }, 'a + 2 == 4', {}, partial('a')],
    [{ a: 'int', b: 'int' }, '(a == 2) || (b == 6)', { a: 2 }, T],
    [{ a: 'int', b: 'int' }, '(a == 2) || (b == 6)', { b: 6 }, T],
    [{ a: 'int', b: 'int' }, '(a == 2) || (b == 6)', { b: 5 }, partial('a')],
    [{ a: 'int', b: 'int' }, '(a == 2) || (b == 6)', {}, partial('a', 'b')],
    [{ a: 'int', b: 'int' }, '(a == 2) && (b == 6)', { b: 6 }, partial('a')],
    [{ a: 'int', b: 'int' }, '(a == 2) && (b == 6)', { b: 5 }, F],
    [{ a: 'int', b: 'int' }, 'b == 6 && a == 2', { a: 1 }, F],
    [{ a: 'int', b: 'int' }, 'a + b > 47', { a: 42 }, partial('b')],
    [{ z: 'int', a: 'int' }, 'z > 0 || a > 0', {}, partial('a', 'z')],
    [{ c: 'bool', x: 'int', y: 'int' }, 'c ? x > 1 : y > 1', { c: true, y: 1 }, partial('x')],
    [{ c: 'bool', x: 'int', y: 'int' }, 'c ? x > 1 : y > 1', { c: false, y: 2 }, T],
    [{ c: 'bool', x: 'int', y: 'int' }, 'c ? x > 1 : y > 1', { x: 2, y: 2 }, partial('c')],
    [{ l: 'list<int>', n: 'int' }, 'l.all(i, i > n)', { l: [] }, T],
    [{ l: 'list<int>', n: 'int' }, 'l.all(i, i > n)', { l: [1, 2] }, partial('n')],
    [{ l: 'list<int>', n: 'int' }, 'l.exists(i, i == 1 || i > n)', { l: [3, 1] }, T],
    [{ l: 'list<int>', n: 'int' }, 'l.all(i, i > 1 && i > n)', { l: [3, 1] }, F],
    [{ l: 'list<int>', n: 'int' }, 'l.all(i, i > n)', { n: 1 }, partial('l')],
    [{ m: 'map<int>', k: 'string' }, 'm[k] == 1', { m: { a: 1 } }, partial('k')],
    [{ m: 'map<int>', k: 'string' }, 'has(m.a) && k == "x"', { m: {} }, F],
    [{ somemap: 'map<any>' }, 'somemap.foo == 42 && somemap.bar < 56', {}, partial('somemap')],
  ] as const)('%j `%s` with %j', (spec, expression, context, expected) => {
    expect(evalWith(spec, expression, context)).toEqual(expected);
  });

  it('lets an unknown win over an error in && and || (cel-go)', () => {
    expect(evalWith({ a: 'int', b: 'bool' }, '10 / a == 1 || b', { a: 0 })).toEqual(partial('b'));
    expect(evalWith({ a: 'int', b: 'bool' }, 'b && 10 / a == 1', { a: 0 })).toEqual(partial('b'));
  });

  it('lets a definite result win over an error in && and ||', () => {
    expect(evalWith({ m: 'map<int>' }, 'm.x == 1 || m.y == 2', { m: { y: 2 } })).toEqual(T);
    expect(evalWith({ somemap: 'map<any>' }, 'somemap.foo == 42 && somemap.bar < 56', { somemap: { foo: 41 } })).toEqual(F);
  });

  it('treats a caveat with no context at all as partial on every parameter it reads first', () => {
    expect(evalWith({ somecondition: 'int' }, 'somecondition == 42', {})).toEqual(partial('somecondition'));
  });
});

describe('validateCaveatContext (write time)', () => {
  const caveat = compileOk({ n: 'int', l: 'list<string>' }, 'n > 1 && "x" in l', 'cav');

  it('accepts a partial context of known parameters with convertible values', () => {
    expect(() => validateCaveatContext(caveat, { n: '5' })).not.toThrow();
    expect(() => validateCaveatContext(caveat, {})).not.toThrow();
  });

  it('refuses unknown parameters and values of the wrong type', () => {
    expectThrows(
      () => validateCaveatContext(caveat, { n: 1, extra: true }),
      new CaveatParameterTypeError('cav', 'extra', 'unknown parameter `extra`'),
    );
    expectThrows(
      () => validateCaveatContext(caveat, { l: 'x' }),
      new CaveatParameterTypeError('cav', 'l', 'could not convert context parameter `l`: list requires a list, found: string'),
    );
  });
});
