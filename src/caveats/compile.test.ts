import { describe, expect, it } from 'vitest';
import { compileCaveat } from './compile.js';
import { compileErrors, compileOk, params } from './test-helpers.js';

describe('compileCaveat', () => {
  it('returns a compiled caveat carrying its name, parameters and expression', () => {
    const p = params({ a: 'int' });
    const r = compileCaveat('c', p, 'a == 42');
    expect('caveat' in r).toBe(true);
    if ('caveat' in r) {
      expect(r.caveat.name).toBe('c');
      expect(r.caveat.parameters).toBe(p);
      expect(r.caveat.expression).toBe('a == 42');
    }
  });

  it('requires a boolean result, naming the type cel-go prints', () => {
    expect(compileErrors({ a: 'int', b: 'int' }, 'a + b')).toEqual([
      { message: 'caveat expression must result in a boolean value: found `int`' },
    ]);
    expect(compileErrors({ l: 'list<string>' }, 'l')).toEqual([
      { message: 'caveat expression must result in a boolean value: found `list(string)`' },
    ]);
    expect(compileErrors({ t: 'timestamp' }, 't')).toEqual([
      { message: 'caveat expression must result in a boolean value: found `google.protobuf.Timestamp`' },
    ]);
    expect(compileErrors({ m: 'map<any>' }, 'm.x')).toEqual([{ message: 'caveat expression must result in a boolean value: found `dyn`' }]);
  });

  it('reports every unused parameter', () => {
    expect(compileErrors({ a: 'int', b: 'int', c: 'string' }, 'a == 1', 'cav')).toEqual([
      { message: 'parameter `b` for caveat `cav` is unused' },
      { message: 'parameter `c` for caveat `cav` is unused' },
    ]);
  });

  it('does not count a comprehension variable that shadows a parameter as a use', () => {
    expect(compileErrors({ l: 'list<int>', x: 'int' }, 'l.all(x, x > 1)', 'cav')).toEqual([
      { message: 'parameter `x` for caveat `cav` is unused' },
    ]);
  });

  it('reports undeclared references with their offsets', () => {
    expect(compileErrors({}, 'a + b == 2')).toEqual([
      { message: "undeclared reference to 'a' (in container '')", offset: 0 },
      { message: "undeclared reference to 'b' (in container '')", offset: 4 },
    ]);
    expect(compileErrors({ a: 'int' }, 'a.foo(1)')).toEqual([{ message: "undeclared reference to 'foo' (in container '')", offset: 1 }]);
  });

  it('reports parse errors with an offset', () => {
    const errors = compileErrors({ a: 'int' }, 'a == (1');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.offset).toBeTypeOf('number');
    expect(compileErrors({ a: 'int' }, '')).toHaveLength(1);
  });

  // Offsets are where @bufbuild/cel's parser places each node: a method call at its dot,
  // `&&` and `?:` at the start of their left operand.
  it.each([
    [{ a: 'uint', b: 'bool' }, 'a + b', "found no matching overload for '_+_' applied to '(int, bool)'", 2],
    [{ a: 'uint' }, 'a[0]', "found no matching overload for '_[_]' applied to '(int, int)'", 1],
    [{ a: 'list<uint>' }, "a['hi']", "found no matching overload for '_[_]' applied to '(list(int), string)'", 1],
    [{ a: 'bytes' }, 'a == "abc"', "found no matching overload for '_==_' applied to '(bytes, string)'", 2],
    [{ a: 'double' }, 'a == true', "found no matching overload for '_==_' applied to '(double, bool)'", 2],
    [{ a: 'duration' }, 'a > "1h3m"', "found no matching overload for '_>_' applied to '(google.protobuf.Duration, string)'", 2],
    [
      { a: 'timestamp' },
      'a == "1972-01-01T10:00:20.021-05:00"',
      "found no matching overload for '_==_' applied to '(google.protobuf.Timestamp, string)'",
      2,
    ],
    [{ a: 'string' }, 'a.contains(1)', "found no matching overload for 'contains' applied to 'string.(int)'", 1],
    [{ a: 'ipaddress' }, 'a.in_cidr(1)', "found no matching overload for 'in_cidr' applied to 'IPAddress.(int)'", 1],
    [{ a: 'int' }, 'a.in_cidr("10.0.0.0/8")', "found no matching overload for 'in_cidr' applied to 'int.(string)'", 1],
    [{ a: 'int', b: 'bool' }, 'b ? a : "x"', "found no matching overload for '_?_:_' applied to '(bool, int, string)'", 0],
    [{ a: 'int', b: 'bool' }, 'a && b', "found no matching overload for '_&&_' applied to '(int, bool)'", 0],
    [{ a: 'int' }, 'a.b == 1', "type 'int' does not support field selection", 1],
    // SpiceDB does not enable cel-go's CrossTypeNumericComparisons.
    [{ x: 'double' }, 'x > 1', "found no matching overload for '_>_' applied to '(double, int)'", 2],
    [{ x: 'int' }, 'x <= 2u', "found no matching overload for '_<=_' applied to '(int, uint)'", 2],
  ] as const)('rejects ill-typed %j `%s`', (spec, expression, message, offset) => {
    expect(compileErrors(spec, expression)).toEqual([{ message, offset }]);
  });

  it('rejects has() on a non-map and reports each independent error once', () => {
    expect(compileErrors({ a: 'int' }, 'has(a.b)')).toEqual([{ message: "type 'int' does not support field selection", offset: 0 }]);
    expect(compileErrors({ l: 'list<int>' }, 'l.map(x, x + "s").size() > 0 && q')).toEqual([
      { message: "found no matching overload for '_+_' applied to '(int, string)'", offset: 11 },
      { message: "undeclared reference to 'q' (in container '')", offset: 32 },
    ]);
  });

  it('rejects iterating over a non-collection', () => {
    expect(compileErrors({ a: 'int' }, 'a.all(x, x > 1)')).toEqual([
      { message: "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)", offset: 0 },
    ]);
  });

  it.each([
    [{ a: 'int', b: 'int' }, 'a + b == 2'],
    [{ a: 'list<int>' }, 'a[0] == 1'],
    [{ a: 'map<int>' }, "a['hi'] == 1"],
    [{ a: 'bytes' }, 'a == b"abc"'],
    [{ a: 'double' }, 'a == 7.23'],
    [{ a: 'duration' }, 'a > duration("1h3m")'],
    [{ a: 'timestamp' }, 'a == timestamp("1972-01-01T10:00:20.021-05:00")'],
    [{ a: 'any' }, 'a == true'],
    [{ a: 'uint' }, 'a == 1 && a > 0'],
    [{ somelist: 'list<int>' }, 'somelist.all(i, i >= 42)'],
    [{ somemap: 'map<any>' }, 'somemap.foo == 42 && somemap.bar < 56'],
    [{ admin_teams: 'list<string>', me: 'string' }, 'me in admin_teams'],
    [{ m: 'map<string>', k: 'string' }, 'k in m && has(m.x) && m[k] == "v"'],
    [{ ip: 'ipaddress' }, 'ip.in_cidr("192.168.0.0/16")'],
    [{ a: 'ipaddress', b: 'ipaddress' }, 'a == b'],
    [{ m: 'map<any>', n: 'map<int>' }, 'm.isSubtreeOf(n)'],
    [{ l: 'list<int>' }, 'l.map(x, x * 2).all(y, y > 2)'],
    [{ l: 'list<int>' }, 'l.map(x, x > 2)[0]'],
    [{ l: 'list<int>' }, 'l.filter(x, x > 2).size() == 1'],
    [{ l: 'list<string>' }, 'l.exists(x, x.startsWith("a")) || l.exists_one(x, x == "b")'],
    [{ m: 'map<int>' }, 'm.all(k, m[k] > 0 && k.size() > 1)'],
    [{ t: 'timestamp', d: 'duration' }, 't + d < timestamp("2030-01-01T00:00:00Z") && t.getHours() == 9'],
    [{ s: 'string' }, 's.matches("^a+$") && size(s) > 1 && int(s) > 0'],
    [{ x: 'int' }, 'type(x) == int'],
    [{ l: 'list<int>' }, 'l + [1] == [1, 1]'],
    [{ a: 'any' }, '{"a": a}.a == 1'],
    [{ x: 'double', m: 'map<any>' }, 'x > 1.0 && m.a < 2 && m.b >= 1.5'],
  ] as const)('accepts %j `%s`', (spec, expression) => {
    expect(compileOk(spec, expression).expression).toBe(expression);
  });

  it('refuses expressions over the size limit', () => {
    const r = compileCaveat('c', params({ a: 'bool' }), `a${' || a'.repeat(20_000)}`);
    expect(r).toEqual({ errors: [{ message: 'caveat expression provided exceeds maximum allowed size of 100000 characters' }] });
  });
});
