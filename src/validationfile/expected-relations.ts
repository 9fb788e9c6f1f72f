/**
 * The grammar of expected-relations strings (reference §3.4, SpiceDB
 * `pkg/validationfile/blocks/expectedrelations.go`):
 *
 *   [<subject>[[...]][ - {<subject>[[...]], …}]] is <type:id#rel>/<type:id#rel>…
 *
 * `is` is decoration; only the bracketed subject and the `<…>` parts matter.
 */
import { ELLIPSIS, InvalidArgumentError, isValidObjectId, isValidRelationName, isValidTypeName, parseSubjectRef } from '../core/index.js';
import type { SubjectRef } from '../core/index.js';
import type { ExpectedSubject, ExpectedSubjectRef, ObjectAndRelation } from './types.js';

// Greedy like SpiceDB's `\[(.*)]`: from the first `[` to the last `]`.
const SUBJECT_PART_RE = /\[(.*)\]/s;
const RESOURCE_PART_RE = /<([^>]+)>/g;
const SUBJECT_WITH_EXCEPTIONS_RE = /^([^\]\s]+?)(\[\.\.\.\])?(\s+-\s+\{([^}]+)\})?$/;
const CAVEAT_MARKER = '[...]';

/** Parses `type:id#relation` (a validation key or a `<…>` part). */
export function parseObjectAndRelation(text: string): ObjectAndRelation {
  const hash = text.indexOf('#');
  const colon = text.indexOf(':');
  if (colon < 0 || hash < colon) throw new InvalidArgumentError(`could not parse ${text}: expected type:id#relation`);
  const type = text.slice(0, colon);
  const id = text.slice(colon + 1, hash);
  const relation = text.slice(hash + 1);
  if (!isValidTypeName(type)) throw new InvalidArgumentError(`could not parse ${text}: invalid type \`${type}\``);
  if (!isValidObjectId(id) || id === '*') throw new InvalidArgumentError(`could not parse ${text}: invalid object id \`${id}\``);
  if (relation !== ELLIPSIS && !isValidRelationName(relation))
    throw new InvalidArgumentError(`could not parse ${text}: invalid relation \`${relation}\``);
  return { object: { type, id }, relation };
}

export function formatObjectAndRelation(onr: ObjectAndRelation): string {
  return `${onr.object.type}:${onr.object.id}#${onr.relation}`;
}

function parseSubject(text: string): SubjectRef {
  try {
    return parseSubjectRef(text.trim());
  } catch (e) {
    throw new InvalidArgumentError(`invalid subject: \`${text.trim()}\`: ${(e as Error).message}`);
  }
}

/** Parses the inside of the `[…]` part. */
export function parseExpectedSubject(inner: string): ExpectedSubject {
  const trimmed = inner.trim();
  const m = SUBJECT_WITH_EXCEPTIONS_RE.exec(trimmed);
  if (!m) throw new InvalidArgumentError(`invalid subject: \`${trimmed}\``);
  const subject = parseSubject(m[1] ?? '');
  const exceptions: ExpectedSubjectRef[] = [];
  const list = (m[4] ?? '').trim();
  if (list.length > 0) {
    for (const raw of list.split(',')) {
      const part = raw.trim();
      const caveated = part.endsWith(CAVEAT_MARKER);
      exceptions.push({ subject: parseSubject(caveated ? part.slice(0, -CAVEAT_MARKER.length) : part), caveated });
    }
  }
  return { subject, caveated: m[2] !== undefined, exceptions };
}

/** Parses one expected-relations string. `subject` is absent when there is no `[…]` part. */
export function parseExpectedEntry(text: string): { subject?: ExpectedSubject; resources: ObjectAndRelation[] } {
  const subjectMatch = SUBJECT_PART_RE.exec(text);
  const resources: ObjectAndRelation[] = [];
  for (const m of text.matchAll(RESOURCE_PART_RE)) {
    const onr = m[1] ?? '';
    try {
      resources.push(parseObjectAndRelation(onr));
    } catch (e) {
      throw new InvalidArgumentError(`invalid resource and relation: \`${onr}\`: ${(e as Error).message}`);
    }
  }
  if (!subjectMatch) return { resources };
  return { subject: parseExpectedSubject(subjectMatch[1] ?? ''), resources };
}

/** `user:tom`, `group:eng#member`, with the ellipsis relation omitted as SpiceDB's StringONR does. */
export function formatSubjectOnr(s: SubjectRef): string {
  return s.relation === undefined || s.relation === ELLIPSIS ? `${s.type}:${s.id}` : `${s.type}:${s.id}#${s.relation}`;
}

export function formatExpectedSubjectRef(s: ExpectedSubjectRef): string {
  return `${formatSubjectOnr(s.subject)}${s.caveated ? CAVEAT_MARKER : ''}`;
}

/** The validation-string form of a subject: `user:*[...] - {user:a, user:b[...]}`. */
export function formatExpectedSubject(s: ExpectedSubject): string {
  const head = formatExpectedSubjectRef(s);
  if (s.exceptions.length === 0) return head;
  return `${head} - {${s.exceptions.map(formatExpectedSubjectRef).join(', ')}}`;
}

/** SpiceDB's GenerateValidation line: `[subject] is <a#r>/<b#r>` with the resources sorted. */
export function formatExpectedEntry(subject: ExpectedSubject, resources: readonly ObjectAndRelation[]): string {
  const parts = resources.map((r) => `<${formatObjectAndRelation(r)}>`).sort();
  return `[${formatExpectedSubject(subject)}] is ${parts.join('/')}`;
}
