/**
 * JSON context values to CEL values of a parameter's type, with the conversions and error
 * wording of SpiceDB's `pkg/caveats/types/basic.go` (Go type names included, since SpiceDB
 * receives JSON through `structpb`: numbers are `float64`, objects `map[string]interface {}`).
 */
import { create } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { CelValue } from '@bufbuild/cel';
import type { JsonValue } from '../core/index.js';
import { makeList, makeMap, type Concrete } from './cel-values.js';
import { goQuote, parseGoDuration } from './go-duration.js';
import { IpAddress } from './ip-address.js';
import type { CaveatParameterType } from './types.js';

/** Thrown by the converters; the caller wraps it into CaveatParameterTypeError. */
export class ConversionFailure extends Error {}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function convertValue(t: CaveatParameterType, v: JsonValue): Concrete {
  switch (t.name) {
    case 'any':
      return anyToCel(v);
    case 'bool':
      if (typeof v !== 'boolean') throw requireTypeFailure('bool', v);
      return v;
    case 'string':
      if (typeof v !== 'string') throw requireTypeFailure('string', v);
      return v;
    case 'int':
    case 'uint':
      return convertInteger(t.name, v);
    case 'double':
      return convertDouble(v);
    case 'bytes':
      return convertBytes(v);
    case 'duration':
      return convertDuration(v);
    case 'timestamp':
      return convertTimestamp(v);
    case 'ipaddress':
      return convertIp(v);
    case 'list': {
      if (!Array.isArray(v)) throw new ConversionFailure(`list requires a list, found: ${goTypeName(v)}`);
      const elemType = t.args[0] ?? { name: 'any', args: [] };
      const items = (v as readonly JsonValue[]).map((item, index) => {
        try {
          return convertValue(elemType, item);
        } catch (e) {
          throw wrapFailure(e, `found an invalid value for item at index ${index}: `);
        }
      });
      return makeList(items);
    }
    case 'map': {
      if (!isJsonObject(v)) throw new ConversionFailure(`map requires a map, found: ${goTypeName(v)}`);
      const valueType = t.args[0] ?? { name: 'any', args: [] };
      const entries = new Map<string, Concrete>();
      for (const key of Object.keys(v).sort()) {
        try {
          entries.set(key, convertValue(valueType, v[key] ?? null));
        } catch (e) {
          throw wrapFailure(e, `found an invalid value for key \`${key}\`: `);
        }
      }
      return makeMap(entries);
    }
  }
}

function wrapFailure(e: unknown, prefix: string): unknown {
  return e instanceof ConversionFailure ? new ConversionFailure(prefix + e.message) : e;
}

function isJsonObject(v: JsonValue): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `any` keeps JSON as CEL sees `google.protobuf.Value`: numbers are doubles. */
function anyToCel(v: JsonValue): CelValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return makeList((v as readonly JsonValue[]).map(anyToCel));
  const obj = v as { readonly [key: string]: JsonValue };
  return makeMap(new Map(Object.keys(obj).map((k) => [k, anyToCel(obj[k] ?? null)])));
}

function requireTypeFailure(goName: string, v: JsonValue): ConversionFailure {
  return new ConversionFailure(`a ${goName} value is required, but found ${goTypeName(v)} \`${goValue(v)}\``);
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function convertInteger(kind: 'int' | 'uint', v: JsonValue): bigint {
  const goName = kind === 'int' ? 'int64' : 'uint64';
  let value: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ConversionFailure(`a ${kind} value is required, but found numeric value \`${bigFloatString(v)}\``);
    value = BigInt(v);
  } else if (typeof v === 'string') {
    if (/^[+-]?[0-9]+$/.test(v)) {
      value = BigInt(v);
    } else if (DECIMAL.test(v)) {
      const n = Number(v);
      if (!Number.isInteger(n))
        throw new ConversionFailure(`a ${kind} value is required, but found numeric value \`${bigFloatString(n)}\``);
      value = BigInt(n);
    } else {
      throw new ConversionFailure(`a ${goName} value is required, but found invalid string value \`${v}\``);
    }
  } else {
    throw requireTypeFailure(goName, v);
  }
  // Go's big.Float.Int64 saturates rather than failing; SpiceDB inherits that.
  if (value > INT64_MAX) value = INT64_MAX;
  if (value < INT64_MIN) value = INT64_MIN;
  if (kind === 'uint' && value < 0n) {
    throw new ConversionFailure(`a uint value is required, but found int64 value \`${value}\``);
  }
  return value;
}

function convertDouble(v: JsonValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (!DECIMAL.test(v)) throw new ConversionFailure(`a float64 value is required, but found invalid string value \`${v}\``);
    return Number(v);
  }
  throw requireTypeFailure('float64', v);
}

function convertBytes(v: JsonValue): Uint8Array {
  if (typeof v !== 'string') {
    throw new ConversionFailure(`bytes requires a base64 unicode string, found: ${goTypeName(v)} \`${goValue(v)}\``);
  }
  const bad = base64Error(v);
  if (bad !== undefined) throw new ConversionFailure(`bytes requires a base64 encoded string: illegal base64 data at input byte ${bad}`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** Index of the first byte Go's strict StdEncoding rejects, or undefined when valid. */
function base64Error(s: string): number | undefined {
  const body = s.replace(/={1,2}$/, '');
  for (let i = 0; i < body.length; i++) {
    if (!/[A-Za-z0-9+/]/.test(body[i] ?? '')) return i;
  }
  if (s.length % 4 !== 0) return Math.floor(s.length / 4) * 4;
  return undefined;
}

function convertDuration(v: JsonValue): CelValue {
  if (typeof v !== 'string') throw new ConversionFailure(`durations requires a duration string, found: ${goTypeName(v)}`);
  const parsed = parseGoDuration(v);
  if ('error' in parsed) throw new ConversionFailure(`could not parse duration string \`${v}\`: ${parsed.error}`);
  const seconds = parsed.nanos / 1_000_000_000n;
  const nanos = Number(parsed.nanos % 1_000_000_000n);
  return reflect(DurationSchema, create(DurationSchema, { seconds, nanos }));
}

const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/** Seconds and nanos since the epoch, or undefined when not RFC 3339 (Go's `time.RFC3339` layout). */
export function parseRfc3339(text: string): { seconds: bigint; nanos: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetSeconds = 0;
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetSeconds = (zone.startsWith('-') ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  const seconds = BigInt(Math.floor(utc.getTime() / 1000) - offsetSeconds);
  const nanos = Number((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  return { seconds, nanos };
}

function convertTimestamp(v: JsonValue): CelValue {
  if (typeof v !== 'string') {
    throw new ConversionFailure(`timestamps requires a RFC 3339 formatted timestamp string, found: ${goTypeName(v)} \`${goValue(v)}\``);
  }
  const parsed = parseRfc3339(v);
  if (parsed === undefined) {
    throw new ConversionFailure(
      `could not parse RFC 3339 formatted timestamp string \`${v}\`: parsing time ${goQuote(v)} as "2006-01-02T15:04:05Z07:00"`,
    );
  }
  return reflect(TimestampSchema, create(TimestampSchema, parsed));
}

function convertIp(v: JsonValue): IpAddress {
  if (typeof v !== 'string')
    throw new ConversionFailure(`ipaddress requires an ipaddress string, found: ${goTypeName(v)} \`${goValue(v)}\``);
  const ip = IpAddress.parse(v);
  if (ip === undefined) {
    throw new ConversionFailure(`could not parse ip address string \`${v}\`: ParseAddr(${goQuote(v)}): unable to parse IP`);
  }
  return ip;
}

/** Go's `%T` of a value decoded from JSON through structpb. */
export function goTypeName(v: JsonValue): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'number':
      return 'float64';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return 'map[string]interface {}';
  }
}

/** Go's `%v` of a value decoded from JSON. */
export function goValue(v: JsonValue): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(goValue).join(' ')}]`;
  switch (typeof v) {
    case 'number':
      return goFloat(v);
    case 'string':
      return v;
    case 'boolean':
      return String(v);
    default: {
      const obj = v as { readonly [key: string]: JsonValue };
      return `map[${Object.keys(obj)
        .sort()
        .map((k) => `${k}:${goValue(obj[k] ?? null)}`)
        .join(' ')}]`;
    }
  }
}

/** `%v` of a float64: shortest digits, exponent form from 1e21 and below 1e-4. */
function goFloat(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-4)) return goExponent(n.toExponential());
  return String(n);
}

/** big.Float's String(): `%.10g`. */
function bigFloatString(n: number): string {
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 10) return goExponent(Number(n.toPrecision(10)).toExponential());
  return String(Number(n.toPrecision(10)));
}

function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}
