import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRfc3339 } from './convert.js';
import { parseGoDuration } from './go-duration.js';
import { IpAddress } from './ip-address.js';
import { buildCaveatType, parseCaveatType } from './parse-type.js';
import { formatCaveatType, type CaveatParameterType } from './types.js';

describe('parseCaveatType', () => {
  it('parses scalars and generics', () => {
    expect(parseCaveatType('int')).toEqual({ type: { name: 'int', args: [] } });
    expect(parseCaveatType(' list < map<any> > ')).toEqual({
      type: { name: 'list', args: [{ name: 'map', args: [{ name: 'any', args: [] }] }] },
    });
  });

  it('reports SpiceDB errors', () => {
    expect(parseCaveatType('integer')).toEqual({ error: 'unknown type `integer`' });
    expect(parseCaveatType('list')).toEqual({ error: 'type `list` requires 1 generic types; found 0' });
    expect(parseCaveatType('int<string>')).toEqual({ error: 'type `int` requires 0 generic types; found 1' });
    expect(parseCaveatType('map<string, int>')).toEqual({ error: 'type `map` requires 1 generic types; found 2' });
    expect(parseCaveatType('list<int')).toEqual({ error: 'expected `,` or `>` in `list<int`' });
    expect(parseCaveatType('int int')).toEqual({ error: 'unexpected `int` in `int int`' });
    expect(buildCaveatType('ipaddress', [])).toEqual({ type: { name: 'ipaddress', args: [] } });
  });

  it('round-trips with formatCaveatType', () => {
    const scalarArb = fc.constantFrom(
      ...(['any', 'bool', 'string', 'int', 'uint', 'double', 'bytes', 'duration', 'timestamp', 'ipaddress'] as const),
    );
    const typeArb = fc.letrec<{ t: CaveatParameterType }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small' },
        scalarArb.map((name): CaveatParameterType => ({ name, args: [] })),
        fc.record({ name: fc.constantFrom('list' as const, 'map' as const), args: tie('t').map((a) => [a]) }),
      ),
    })).t;
    fc.assert(
      fc.property(typeArb, (t) => {
        expect(parseCaveatType(formatCaveatType(t))).toEqual({ type: t });
      }),
    );
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['0', 0n],
    ['1h5m3s', 3_903_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['-300ms', -300_000_000n],
    ['+2us', 2_000n],
    ['2\u00b5s', 2_000n],
    ['1h1h', 7_200_000_000_000n],
    ['.5s', 500_000_000n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
  ] as const)('%s', (text, nanos) => {
    expect(parseGoDuration(text)).toEqual({ nanos });
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['h', 'time: invalid duration "h"'],
    ['1', 'time: missing unit in duration "1"'],
    ['3d', 'time: unknown unit "d" in duration "3d"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ] as const)('rejects %j', (text, error) => {
    expect(parseGoDuration(text)).toEqual({ error });
  });

  it('agrees with arithmetic on generated h/m/s/ms strings', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        const expected = ((BigInt(h) * 60n + BigInt(m)) * 60n + BigInt(s)) * 1_000_000_000n + BigInt(ms) * 1_000_000n;
        expect(parseGoDuration(`${h}h${m}m${s}s${ms}ms`)).toEqual({ nanos: expected });
      }),
    );
  });
});

describe('parseRfc3339', () => {
  it('reads offsets and fractions', () => {
    expect(parseRfc3339('1970-01-01T00:00:00Z')).toEqual({ seconds: 0n, nanos: 0 });
    expect(parseRfc3339('1970-01-01T01:00:00+01:00')).toEqual({ seconds: 0n, nanos: 0 });
    expect(parseRfc3339('1972-01-01T10:00:20.021-05:00')).toEqual({ seconds: 63_126_020n, nanos: 21_000_000 });
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toEqual({ seconds: -62_135_596_800n, nanos: 0 });
  });

  it.each(['2024-02-30T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00', '2024-1-01T00:00:00Z'])(
    'rejects %s',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );

  it('agrees with Date for generated instants', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(parseRfc3339(iso)).toEqual({
          seconds: BigInt(Math.floor(d.getTime() / 1000)),
          nanos: (((d.getTime() % 1000) + 1000) % 1000) * 1_000_000,
        });
      }),
    );
  });
});

describe('IpAddress', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
  ])('parses %s', (text, printed) => {
    expect(IpAddress.parse(text)?.toString()).toBe(printed);
  });

  it.each(['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4%eth0', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', 'abc', '', 'fe80::1%'])(
    'rejects %j',
    (text) => {
      expect(IpAddress.parse(text)).toBeUndefined();
    },
  );

  it('round-trips IPv6 through its printed form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
        const ip = IpAddress.parse(groups.join(':'));
        expect(ip).toBeDefined();
        expect(IpAddress.parse(ip?.toString() ?? '')?.bytes).toEqual(ip?.bytes);
        expect([...(ip?.bytes ?? [])]).toEqual([...bytes]);
      }),
    );
  });

  it('matches prefixes bit by bit', () => {
    const ip = IpAddress.parse('10.20.30.40');
    expect(ip?.inCidr('10.20.30.40/32')).toBe(true);
    expect(ip?.inCidr('10.20.30.41/32')).toBe(false);
    expect(ip?.inCidr('10.20.30.32/27')).toBe(true);
    expect(ip?.inCidr('10.20.30.0/27')).toBe(false);
    expect(ip?.inCidr('10.20.30.0/26')).toBe(true);
    expect(ip?.inCidr('10.20.30.64/26')).toBe(false);
    expect(ip?.inCidr('10.20.30.40')).toBeUndefined();
    expect(ip?.inCidr('10.20.30.40/033')).toBeUndefined();
    expect(IpAddress.parse('fe80::1%eth0')?.inCidr('fe80::/10')).toBe(false);
  });
});
