import { describe, expect, it } from 'vitest';
import { filterFromArgs, relationshipsFromArgs } from './relationship.js';
import { formatTree, parseContext } from './check.js';

describe('relationship arguments', () => {
  it("accepts zed's three words or relationships in text form, with caveat and expiration flags", () => {
    expect(relationshipsFromArgs(['document:a', 'viewer', 'group:eng#member'], {})).toEqual([
      {
        resource: { type: 'document', id: 'a' },
        relation: 'viewer',
        subject: { type: 'group', id: 'eng', relation: 'member' },
      },
    ]);
    expect(
      relationshipsFromArgs(['document:a#viewer@user:b'], { caveat: 'on_day:{"day":"mon"}', expirationTime: '2030-01-01T00:00:00Z' }),
    ).toEqual([
      {
        resource: { type: 'document', id: 'a' },
        relation: 'viewer',
        subject: { type: 'user', id: 'b' },
        caveat: { name: 'on_day', context: { day: 'mon' } },
        expiresAt: new Date('2030-01-01T00:00:00Z'),
      },
    ]);
    expect(
      relationshipsFromArgs(['document:a#viewer@user:b', 'group:eng#member@user:c'], {}).map(
        (r) => `${r.resource.id}#${r.relation}@${r.subject.id}`,
      ),
    ).toEqual(['a#viewer@b', 'eng#member@c']);
    expect(() => relationshipsFromArgs(['document:a', 'viewer'], {})).toThrow('expected <resource> <relation> <subject>');
    expect(() => relationshipsFromArgs(['document:a#viewer@user:b', 'viewer'], {})).toThrow('expected <resource> <relation> <subject>');
  });

  it('builds read filters from type[:id] [relation] [subject]', () => {
    expect(filterFromArgs('document', undefined, undefined)).toEqual({ resourceType: 'document' });
    expect(filterFromArgs('document:a', 'viewer', 'user')).toEqual({
      resourceType: 'document',
      resourceIds: ['a'],
      relation: 'viewer',
      subject: { type: 'user' },
    });
    expect(filterFromArgs('document', undefined, 'user:b')).toEqual({ resourceType: 'document', subject: { type: 'user', ids: ['b'] } });
    expect(filterFromArgs('document', undefined, 'group:g#member')).toEqual({
      resourceType: 'document',
      subject: { type: 'group', ids: ['g'], relation: 'member' },
    });
    expect(filterFromArgs('document', undefined, 'group:g#...')).toEqual({
      resourceType: 'document',
      subject: { type: 'group', ids: ['g'], relation: '...' },
    });
  });
});

describe('check helpers', () => {
  it('parses --context as a JSON object only', () => {
    expect(parseContext(undefined)).toBeUndefined();
    expect(parseContext('{"day":"tuesday"}')).toEqual({ day: 'tuesday' });
    expect(() => parseContext('[1]')).toThrow('--context must be a JSON object');
    expect(() => parseContext('{')).toThrow(/^--context is not valid JSON: /);
  });

  it('prints an expand tree with its operations', () => {
    expect(
      formatTree({
        kind: 'intermediate',
        operation: 'exclusion',
        expanded: { type: 'doc', id: '1' },
        relation: 'view',
        children: [
          {
            kind: 'leaf',
            expanded: { type: 'doc', id: '1' },
            relation: 'viewer',
            subjects: [
              { type: 'user', id: 'a' },
              { type: 'group', id: 'g', relation: 'member', caveated: true },
            ],
          },
          { kind: 'leaf', expanded: { type: 'doc', id: '1' }, relation: 'banned', subjects: [] },
        ],
      }),
    ).toEqual(['doc:1#view (exclusion)', '  doc:1#viewer', '    user:a', '    group:g#member [caveated]', '  doc:1#banned']);
  });
});
