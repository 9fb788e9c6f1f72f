/**
 * The `ipaddress` caveat type: an opaque CEL value with `in_cidr(string)`, parsed with the rules
 * of Go's `netip.ParseAddr`/`ParsePrefix` that SpiceDB uses (no leading zeros in IPv4 octets,
 * IPv4 and IPv6 never contain each other, zoned addresses are in no prefix).
 */

export class IpAddress {
  private constructor(
    readonly bytes: Uint8Array,
    readonly zone: string,
    private readonly text: string,
  ) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  static parse(text: string): IpAddress | undefined {
    const pct = text.indexOf('%');
    const addr = pct >= 0 ? text.slice(0, pct) : text;
    const zone = pct >= 0 ? text.slice(pct + 1) : '';
    if (addr.includes(':')) {
      if (pct >= 0 && zone === '') return undefined;
      const bytes = parseIPv6(addr);
      return bytes ? new IpAddress(bytes, zone, formatIPv6(bytes) + (zone ? `%${zone}` : '')) : undefined;
    }
    if (pct >= 0) return undefined;
    const bytes = parseIPv4(addr);
    return bytes ? new IpAddress(bytes, '', addr) : undefined;
  }

  equals(other: IpAddress): boolean {
    return this.zone === other.zone && this.bytes.length === other.bytes.length && this.bytes.every((b, i) => b === other.bytes[i]);
  }

  /** `true`/`false`, or undefined when `cidr` is not a valid prefix. */
  inCidr(cidr: string): boolean | undefined {
    const prefix = parsePrefix(cidr);
    if (prefix === undefined) return undefined;
    if (this.zone !== '' || prefix.bytes.length !== this.bytes.length) return false;
    let bits = prefix.bits;
    for (let i = 0; i < this.bytes.length && bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if (((this.bytes[i] ?? 0) & mask) !== ((prefix.bytes[i] ?? 0) & mask)) return false;
    }
    return true;
  }

  toString(): string {
    return this.text;
  }
}

/** CIDRs are usually literals of the expression, so parsed prefixes are kept (bounded). */
const prefixCache = new Map<string, { bytes: Uint8Array; bits: number } | undefined>();
const PREFIX_CACHE_LIMIT = 1024;

function parsePrefix(text: string): { bytes: Uint8Array; bits: number } | undefined {
  if (prefixCache.has(text)) return prefixCache.get(text);
  const parsed = parsePrefixUncached(text);
  if (prefixCache.size >= PREFIX_CACHE_LIMIT) prefixCache.clear();
  prefixCache.set(text, parsed);
  return parsed;
}

function parsePrefixUncached(text: string): { bytes: Uint8Array; bits: number } | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addrText = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText) || addrText.includes('%')) return undefined;
  const bytes = addrText.includes(':') ? parseIPv6(addrText) : parseIPv4(addrText);
  const bits = Number(bitsText);
  if (!bytes || bits > bytes.length * 8) return undefined;
  return { bytes, bits };
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const parts = s.split(':');
    const groups: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
    return groups;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** RFC 5952 text, as Go prints IPv6 addresses (longest zero run of two or more groups elided). */
function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
