import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRelationship, parseRelationship } from './relationship-text.js';
import type { Relationship } from './types.js';

describe('relationship text form', () => {
  it('parses every part', () => {
    expect(parseRelationship('document:thirddoc#viewer@user:tom[somecaveat:{"somesecret":41}][expiration:2022-01-02T12:23:34Z]')).toEqual({
      resource: { type: 'document', id: 'thirddoc' },
      relation: 'viewer',
      subject: { type: 'user', id: 'tom' },
      caveat: { name: 'somecaveat', context: { somesecret: 41 } },
      expiresAt: new Date('2022-01-02T12:23:34Z'),
    });
    expect(parseRelationship('group:eng#member@group:sub#member').subject).toEqual({ type: 'group', id: 'sub', relation: 'member' });
    expect(parseRelationship('test/resource:first#viewer@test/user:*').subject).toEqual({ type: 'test/user', id: '*' });
    expect(parseRelationship('document:x#viewer@user:sarah#...').subject).toEqual({ type: 'user', id: 'sarah' });
    expect(parseRelationship('document:x#viewer@user:sarah[some_caveat]').caveat).toEqual({ name: 'some_caveat' });
    expect(parseRelationship('document:--=base64YWZz==#viewer@user:a').resource.id).toBe('--=base64YWZz==');
  });

  it('rejects malformed input with a message that says what and where', () => {
    expect(() => parseRelationship('document:x#viewer')).toThrow(
      'invalid relationship `document:x#viewer`: missing `@` between resource and subject',
    );
    expect(() => parseRelationship('document:*#viewer@user:a')).toThrow('a resource id cannot be `*`');
    expect(() => parseRelationship('document:x#viewer@user:*#member')).toThrow('a wildcard subject cannot have a relation');
    expect(() => parseRelationship('Document:x#viewer@user:a')).toThrow('invalid resource type `Document`');
    expect(() => parseRelationship('document:x#viewer@user:a[expiration:2022-01-01T00:00:00Z][c]')).toThrow(
      'the caveat must come before the expiration',
    );
    expect(() => parseRelationship('document:x#viewer@user:a[c:{bad}]')).toThrow('invalid caveat context for `c`');
    expect(() => parseRelationship('document:x#viewer@user:a[expiration:tomorrow]')).toThrow('invalid expiration `tomorrow`');
  });

  it('round-trips through format and parse', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{1,10}[a-z0-9]$/);
    const type = fc.tuple(fc.option(name, { nil: undefined }), name).map(([p, n]) => (p ? `${p}/${n}` : n));
    const id = fc.stringMatching(/^[a-zA-Z0-9/_|\-=+]{1,12}$/);
    const json = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), {
      minKeys: 1,
      maxKeys: 3,
    });
    const rel: fc.Arbitrary<Relationship> = fc
      .record({
        resource: fc.record({ type, id }),
        relation: name,
        subject: fc.oneof(
          fc.record({ type, id }),
          fc.record({ type, id, relation: name }),
          type.map((t) => ({ type: t, id: '*' })),
        ),
        caveat: fc.option(fc.oneof(fc.record({ name }), fc.record({ name, context: json })), { nil: undefined }),
        expiresAt: fc.option(
          fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
          { nil: undefined },
        ),
      })
      .map((r) => {
        const { caveat, expiresAt, ...rest } = r;
        return { ...rest, ...(caveat ? { caveat } : {}), ...(expiresAt ? { expiresAt } : {}) };
      });
    fc.assert(
      fc.property(rel, (r) => {
        expect(parseRelationship(formatRelationship(r))).toEqual(r);
      }),
    );
  });
});
