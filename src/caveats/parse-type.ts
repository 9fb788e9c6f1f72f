/** Caveat parameter types from their schema spelling (`int`, `list<string>`, `map<any>`). */
import type { CaveatParameterType, CaveatTypeName } from './types.js';

const GENERIC_ARITY: Readonly<Record<CaveatTypeName, number>> = {
  any: 0,
  bool: 0,
  string: 0,
  int: 0,
  uint: 0,
  double: 0,
  bytes: 0,
  duration: 0,
  timestamp: 0,
  ipaddress: 0,
  list: 1,
  map: 1,
};

export function isCaveatTypeName(name: string): name is CaveatTypeName {
  return Object.prototype.hasOwnProperty.call(GENERIC_ARITY, name);
}

/**
 * Builds a type from a name and its generic arguments, with SpiceDB's errors
 * (`pkg/caveats/types/registration.go`).
 */
export function buildCaveatType(name: string, args: readonly CaveatParameterType[]): { type: CaveatParameterType } | { error: string } {
  if (!isCaveatTypeName(name)) return { error: `unknown type \`${name}\`` };
  const arity = GENERIC_ARITY[name];
  if (args.length !== arity) {
    return { error: `type \`${name}\` requires ${arity} generic types; found ${args.length}` };
  }
  return { type: { name, args } };
}

/** Parses `list<map<int>>`-style text. Whitespace around names and punctuation is allowed. */
export function parseCaveatType(text: string): { type: CaveatParameterType } | { error: string } {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|[<>,]|\S/g) ?? [];
  let pos = 0;
  const parse = (): { type: CaveatParameterType } | { error: string } => {
    const name = tokens[pos];
    if (name === undefined || !/^[A-Za-z_]/.test(name)) return { error: `expected a type name in \`${text}\`` };
    pos++;
    const args: CaveatParameterType[] = [];
    if (tokens[pos] === '<') {
      pos++;
      for (;;) {
        const arg = parse();
        if ('error' in arg) return arg;
        args.push(arg.type);
        const sep = tokens[pos++];
        if (sep === '>') break;
        if (sep !== ',') return { error: `expected \`,\` or \`>\` in \`${text}\`` };
      }
    }
    return buildCaveatType(name, args);
  };
  const result = parse();
  if ('error' in result) return result;
  if (pos !== tokens.length) return { error: `unexpected \`${tokens[pos] ?? ''}\` in \`${text}\`` };
  return result;
}
