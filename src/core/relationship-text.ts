/**
 * The relationship text form used by validation files, the CLI and error messages:
 *   type:id#relation@type:id[#relation][caveat[:{json}]][expiration:RFC3339]
 * (reference §3.2). `parseRelationship(formatRelationship(r))` returns `r`.
 */
import { InvalidArgumentError } from './errors.js';
import { isValidCaveatName, isValidObjectId, isValidRelationName, isValidTypeName } from './names.js';
import { ELLIPSIS, type JsonObject, type ObjectRef, type Relationship, type SubjectRef } from './types.js';

export function formatObject(o: ObjectRef): string {
  return `${o.type}:${o.id}`;
}

export function formatSubject(s: SubjectRef): string {
  return s.relation === undefined ? `${s.type}:${s.id}` : `${s.type}:${s.id}#${s.relation}`;
}

/** Formats an RFC 3339 timestamp the way SpiceDB prints it: no fractional part when whole seconds. */
export function formatTimestamp(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** The identity part only: no caveat, no expiration. */
export function formatRelationshipKey(r: Relationship): string {
  return `${formatObject(r.resource)}#${r.relation}@${formatSubject(r.subject)}`;
}

export function formatRelationship(r: Relationship): string {
  let out = formatRelationshipKey(r);
  if (r.caveat) {
    out +=
      r.caveat.context && Object.keys(r.caveat.context).length > 0
        ? `[${r.caveat.name}:${JSON.stringify(r.caveat.context)}]`
        : `[${r.caveat.name}]`;
  }
  if (r.expiresAt) out += `[expiration:${formatTimestamp(r.expiresAt)}]`;
  return out;
}

function fail(text: string, what: string): never {
  throw new InvalidArgumentError(`invalid relationship \`${text}\`: ${what}`);
}

function parseObject(text: string, part: string, which: 'resource' | 'subject'): { type: string; id: string } {
  const colon = part.indexOf(':');
  if (colon < 0) fail(text, `${which} \`${part}\` must have the form type:id`);
  const type = part.slice(0, colon);
  const id = part.slice(colon + 1);
  if (!isValidTypeName(type)) fail(text, `invalid ${which} type \`${type}\``);
  if (!isValidObjectId(id)) fail(text, `invalid ${which} id \`${id}\``);
  return { type, id };
}

/** Parses `type:id` into an object reference. */
export function parseObjectRef(text: string): ObjectRef {
  const o = parseObject(text, text, 'resource');
  if (o.id === '*') fail(text, 'a resource id cannot be `*`');
  return o;
}

/** Parses `type:id` or `type:id#relation` (`#...` means no relation). */
export function parseSubjectRef(text: string): SubjectRef {
  const hash = text.indexOf('#');
  const o = parseObject(text, hash < 0 ? text : text.slice(0, hash), 'subject');
  if (hash < 0) return o;
  const rel = text.slice(hash + 1);
  if (rel === ELLIPSIS) return o;
  if (!isValidRelationName(rel)) fail(text, `invalid subject relation \`${rel}\``);
  if (o.id === '*') fail(text, 'a wildcard subject cannot have a relation');
  return { ...o, relation: rel };
}

/** Finds the index of the `]` closing the bracket opened at `open`, skipping JSON strings. */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  return -1;
}

export function parseRelationship(input: string): Relationship {
  const text = input.trim();
  const bracket = text.indexOf('[');
  const core = bracket < 0 ? text : text.slice(0, bracket);
  const at = core.indexOf('@');
  if (at < 0) fail(text, 'missing `@` between resource and subject');
  const left = core.slice(0, at);
  const hash = left.indexOf('#');
  if (hash < 0) fail(text, 'missing `#relation` after the resource');
  const resource = parseObject(text, left.slice(0, hash), 'resource');
  if (resource.id === '*') fail(text, 'a resource id cannot be `*`');
  const relation = left.slice(hash + 1);
  if (!isValidRelationName(relation)) fail(text, `invalid relation \`${relation}\``);
  const subject = parseSubjectRef(core.slice(at + 1));

  let caveat: Relationship['caveat'];
  let expiresAt: Date | undefined;
  let rest = bracket < 0 ? '' : text.slice(bracket);
  while (rest.length > 0) {
    if (rest[0] !== '[') fail(text, `unexpected \`${rest}\``);
    const close = closingBracket(rest, 0);
    if (close < 0) fail(text, 'unclosed `[`');
    const inner = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (inner.startsWith('expiration:')) {
      if (expiresAt) fail(text, 'expiration given twice');
      const ts = inner.slice('expiration:'.length);
      const d = new Date(ts);
      if (!/^[\d\-.:TZ+]+$/.test(ts) || Number.isNaN(d.getTime()))
        fail(text, `invalid expiration \`${ts}\`, expected an RFC 3339 timestamp`);
      expiresAt = d;
      continue;
    }
    if (caveat) fail(text, 'caveat given twice');
    if (expiresAt) fail(text, 'the caveat must come before the expiration');
    const colon = inner.indexOf(':');
    const name = colon < 0 ? inner : inner.slice(0, colon);
    if (!isValidCaveatName(name) || name === '*') fail(text, `invalid caveat name \`${name}\``);
    if (colon < 0) {
      caveat = { name };
      continue;
    }
    let context: unknown;
    try {
      context = JSON.parse(inner.slice(colon + 1));
    } catch (e) {
      fail(text, `invalid caveat context for \`${name}\`: ${(e as Error).message}`);
    }
    if (context === null || typeof context !== 'object' || Array.isArray(context))
      fail(text, `caveat context for \`${name}\` must be a JSON object`);
    caveat = Object.keys(context).length > 0 ? { name, context: context as JsonObject } : { name };
  }
  return {
    resource,
    relation,
    subject,
    ...(caveat ? { caveat } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}
