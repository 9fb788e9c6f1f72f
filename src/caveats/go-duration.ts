/**
 * Go's `time.ParseDuration` ("1h5m3s", "1.5h", "-300ms"), which is how SpiceDB reads `duration`
 * context values; errors carry Go's wording.
 */

const UNIT_NANOS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_NANOS = (1n << 63n) - 1n;

/** Nanoseconds, or Go's error message. */
export function parseGoDuration(text: string): { nanos: bigint } | { error: string } {
  const invalid = { error: `time: invalid duration ${goQuote(text)}` };
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return { nanos: 0n };
  if (s === '') return invalid;
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const intPart = m?.[1] ?? '';
    const fracPart = m?.[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return invalid;
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') return { error: `time: missing unit in duration ${goQuote(text)}` };
    const scale = UNIT_NANOS.get(unit);
    if (scale === undefined) return { error: `time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}` };
    s = s.slice(unit.length);
    let value = BigInt(intPart === '' ? '0' : intPart) * scale;
    if (fracPart) {
      // Go truncates the fraction to whole nanoseconds of the unit.
      value += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
    }
    total += value;
    if (total > MAX_NANOS + (negative ? 1n : 0n)) return invalid;
  }
  return { nanos: negative ? -total : total };
}

/** Go's `strconv.Quote` for the printable ASCII and common cases error messages need. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
