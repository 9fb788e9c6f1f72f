import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, type Relationship } from '../../core/index.js';
import { RelationshipSchema, SubjectReferenceSchema } from '../../gen/authzed/api/v1/core_pb.js';
import { ConsistencySchema, RelationshipFilterSchema } from '../../gen/authzed/api/v1/permission_service_pb.js';
import {
  consistencyFromProto,
  filterFromProto,
  objectFromProto,
  relationshipFromProto,
  relationshipToProto,
  subjectFromProto,
} from './convert.js';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{1,10}[a-z0-9]$/);
const id = fc.stringMatching(/^[a-zA-Z0-9/_|\-=+]{1,12}$/);
const json = fc.dictionary(name, fc.oneof(fc.string(), fc.boolean(), fc.integer({ min: -1000, max: 1000 }), fc.constant(null)), {
  minKeys: 1,
  maxKeys: 3,
});

const relationship: fc.Arbitrary<Relationship> = fc
  .record({
    rt: name,
    rid: id,
    rel: name,
    st: name,
    sid: fc.oneof(id, fc.constant('*')),
    srel: fc.option(name, { nil: undefined }),
    caveat: fc.option(fc.record({ name, context: fc.option(json, { nil: undefined }) }), { nil: undefined }),
    expires: fc.option(fc.integer({ min: 0, max: 4_000_000_000 }), { nil: undefined }),
  })
  .map((x) => ({
    resource: { type: x.rt, id: x.rid },
    relation: x.rel,
    subject: x.sid === '*' || x.srel === undefined ? { type: x.st, id: x.sid } : { type: x.st, id: x.sid, relation: x.srel },
    ...(x.caveat ? { caveat: x.caveat.context ? { name: x.caveat.name, context: x.caveat.context } : { name: x.caveat.name } } : {}),
    ...(x.expires !== undefined ? { expiresAt: new Date(x.expires * 1000) } : {}),
  }));

describe('relationship translation', () => {
  it('round-trips through the protobuf message (property)', () => {
    fc.assert(
      fc.property(relationship, (r) => {
        expect(relationshipFromProto(create(RelationshipSchema, relationshipToProto(r)), 'relationship')).toEqual(r);
      }),
    );
  });

  it('rejects a wildcard resource and a wildcard subject with a relation', () => {
    const pb = (o: Parameters<typeof create<typeof RelationshipSchema>>[1]) => create(RelationshipSchema, o);
    expect(() =>
      relationshipFromProto(
        pb({
          resource: { objectType: 'doc', objectId: '*' },
          relation: 'viewer',
          subject: { object: { objectType: 'user', objectId: 'a' } },
        }),
        'relationship',
      ),
    ).toThrow('invalid relationship.resource.object_id: value cannot be a wildcard (`*`)');
    expect(() =>
      subjectFromProto(
        create(SubjectReferenceSchema, { object: { objectType: 'user', objectId: '*' }, optionalRelation: 'member' }),
        'subject',
      ),
    ).toThrow('invalid subject: a wildcard subject cannot have a relation');
  });

  it('names the field and rule for malformed names', () => {
    expect(() => objectFromProto(undefined, 'resource')).toThrow('invalid resource: value is required');
    expect(() => objectFromProto({ objectType: 'Doc', objectId: 'a' } as never, 'resource')).toThrow(
      'invalid resource.object_type: value does not match regex pattern',
    );
    expect(() => objectFromProto({ objectType: 'doc', objectId: 'a b' } as never, 'resource')).toThrow('invalid resource.object_id');
    expect(() => objectFromProto({ objectType: 'doc', objectId: 'x'.repeat(1025) } as never, 'resource')).toThrow(
      'invalid resource.object_id: value length must be at most 1024 bytes',
    );
  });
});

describe('filters', () => {
  it('maps the subject relation filter: absent = any, empty = ellipsis, set = exact', () => {
    const f = (sub: object | undefined) =>
      filterFromProto(create(RelationshipFilterSchema, { resourceType: 'doc', ...(sub ? { optionalSubjectFilter: sub } : {}) }), 'f');
    expect(f(undefined)).toEqual({ resourceType: 'doc' });
    expect(f({ subjectType: 'user' })).toEqual({ resourceType: 'doc', subject: { type: 'user' } });
    expect(f({ subjectType: 'user', optionalRelation: { relation: '' } })).toEqual({
      resourceType: 'doc',
      subject: { type: 'user', relation: '...' },
    });
    expect(f({ subjectType: 'group', optionalSubjectId: 'g', optionalRelation: { relation: 'member' } })).toEqual({
      resourceType: 'doc',
      subject: { type: 'group', ids: ['g'], relation: 'member' },
    });
  });

  it('rejects a wildcard resource id', () => {
    expect(() => filterFromProto(create(RelationshipFilterSchema, { resourceType: 'doc', optionalResourceId: '*' }), 'f')).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('consistency', () => {
  it('requires a requirement once the message is present, and true booleans', () => {
    expect(consistencyFromProto(undefined)).toBeUndefined();
    expect(() => consistencyFromProto(create(ConsistencySchema, {}))).toThrow(
      'invalid consistency: exactly one of requirement is required',
    );
    expect(() => consistencyFromProto(create(ConsistencySchema, { requirement: { case: 'fullyConsistent', value: false } }))).toThrow(
      'invalid consistency.fully_consistent: value must equal true',
    );
    expect(consistencyFromProto(create(ConsistencySchema, { requirement: { case: 'atLeastAsFresh', value: { token: 'abc' } } }))).toEqual({
      kind: 'at_least_as_fresh',
      token: 'abc',
    });
    expect(() =>
      consistencyFromProto(create(ConsistencySchema, { requirement: { case: 'atExactSnapshot', value: { token: '' } } })),
    ).toThrow('invalid consistency.at_exact_snapshot.token: value length must be at least 1 bytes');
  });
});
