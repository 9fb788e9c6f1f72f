import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../core/index.js';
import {
  formatExpectedEntry,
  formatExpectedSubject,
  parseExpectedEntry,
  parseExpectedSubject,
  parseObjectAndRelation,
} from './expected-relations.js';
import type { ExpectedSubject } from './types.js';

describe('expected relations grammar', () => {
  it('parses a plain subject reached through two relationships', () => {
    expect(parseExpectedEntry('[user:jimmy] is <document:somedoc#viewer>/<document:somedoc#writer>')).toEqual({
      subject: { subject: { type: 'user', id: 'jimmy' }, caveated: false, exceptions: [] },
      resources: [
        { object: { type: 'document', id: 'somedoc' }, relation: 'viewer' },
        { object: { type: 'document', id: 'somedoc' }, relation: 'writer' },
      ],
    });
  });

  it('parses a caveated wildcard with a caveated and a plain exclusion', () => {
    expect(parseExpectedSubject('user:*[...] - {user:a[...], user:b}')).toEqual({
      subject: { type: 'user', id: '*' },
      caveated: true,
      exceptions: [
        { subject: { type: 'user', id: 'a' }, caveated: true },
        { subject: { type: 'user', id: 'b' }, caveated: false },
      ],
    });
  });

  it('treats #... as no relation and keeps subject sets', () => {
    expect(parseExpectedSubject('user:x#...').subject).toEqual({ type: 'user', id: 'x' });
    expect(parseExpectedSubject('group:eng#member').subject).toEqual({ type: 'group', id: 'eng', relation: 'member' });
  });

  it('returns no subject when there is no bracketed part', () => {
    expect(parseExpectedEntry('is <document:x#viewer>')).toEqual({
      resources: [{ object: { type: 'document', id: 'x' }, relation: 'viewer' }],
    });
  });

  it('rejects malformed subjects and resources with SpiceDB-style messages', () => {
    expect(() => parseExpectedSubject('user tom')).toThrow(new InvalidArgumentError('invalid subject: `user tom`'));
    expect(() => parseExpectedEntry('[user:tom] is <document:x>')).toThrow(InvalidArgumentError);
    expect(() => parseExpectedEntry('[user:tom] is <document:x>')).toThrow(/^invalid resource and relation: `document:x`/);
    expect(() => parseObjectAndRelation('document:*#view')).toThrow('could not parse document:*#view: invalid object id `*`');
  });

  it('prints entries as GenerateValidation does (sorted resources)', () => {
    const s: ExpectedSubject = {
      subject: { type: 'user', id: '*' },
      caveated: false,
      exceptions: [{ subject: { type: 'user', id: 'fred' }, caveated: true }],
    };
    expect(
      formatExpectedEntry(s, [
        { object: { type: 'document', id: 'b' }, relation: 'viewer' },
        { object: { type: 'document', id: 'a' }, relation: 'viewer' },
      ]),
    ).toBe('[user:* - {user:fred[...]}] is <document:a#viewer>/<document:b#viewer>');
  });

  it('round-trips print and parse', () => {
    const id = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
    const ref = fc.record({
      subject: fc.oneof(
        fc.record({ type: fc.constantFrom('user', 'team/member'), id }),
        fc.record({ type: fc.constant('group'), id, relation: fc.constantFrom('member', 'admin') }),
      ),
      caveated: fc.boolean(),
    });
    const subject = fc.oneof(
      ref.map((r) => ({ ...r, exceptions: [] })),
      fc
        .record({ caveated: fc.boolean(), exceptions: fc.array(ref, { maxLength: 3 }) })
        .map((w) => ({ subject: { type: 'user', id: '*' }, ...w })),
    );
    const onr = fc.record({
      object: fc.record({ type: fc.constantFrom('document', 'folder'), id }),
      relation: fc.constantFrom('viewer', 'owner'),
    });
    fc.assert(
      fc.property(subject, fc.array(onr, { minLength: 1, maxLength: 3 }), (s, resources) => {
        const printed = formatExpectedEntry(s, resources);
        const parsed = parseExpectedEntry(printed);
        expect(parsed.subject).toEqual(s);
        expect(formatExpectedSubject(parsed.subject!)).toBe(formatExpectedSubject(s));
        expect(formatExpectedEntry(parsed.subject!, parsed.resources)).toBe(printed);
      }),
    );
  });
});
