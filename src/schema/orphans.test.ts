import { describe, expect, it } from 'vitest';
import { parseRelationship, type Relationship } from '../core/index.js';
import { compileSchemaOrThrow, orphanChecks, type OrphanCheck } from './index.js';

/** The message a caller would raise for this check, given the relationship its filter found. */
function describeCheck(check: OrphanCheck | undefined, found: Relationship): string | undefined {
  if (!check) return undefined;
  return check.unconditional ? check.message : check.describe(found);
}

const OLD = `use expiration
caveat cav(first int, second string) {
	first == 1 && second == ''
}
caveat gone(x int) {
	x == 1
}
definition user {}
definition group {
	relation member: user
}
definition document {
	relation viewer: user | user:* | group#member | user with cav | user with expiration
	relation editor: user
	permission view = viewer + editor
}`;

function summary(next: string) {
  return orphanChecks(compileSchemaOrThrow(OLD), compileSchemaOrThrow(next)).map((c) => ({
    operation: c.operation,
    filter: c.filter,
    details: c.details,
    ...(c.unconditional ? { unconditional: true } : {}),
  }));
}

describe('orphanChecks', () => {
  it('has nothing to check without an old schema or when nothing is removed', () => {
    expect(orphanChecks(undefined, compileSchemaOrThrow(OLD))).toEqual([]);
    expect(summary(OLD.replace('permission view = viewer + editor', 'permission view = viewer'))).toEqual([]);
  });

  it('checks every removed allowed type variant with an exact filter', () => {
    const next = OLD.replace(
      'relation viewer: user | user:* | group#member | user with cav | user with expiration',
      'relation viewer: user',
    );
    expect(summary(next)).toEqual([
      {
        operation: 'remove_allowed_type',
        filter: {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'user', ids: ['*'], relation: '...' },
          caveatName: null,
          hasExpiration: false,
        },
        details: { resource_type: 'document', relation: 'viewer', allowed_type: 'user:*', operation: 'remove_allowed_type' },
      },
      {
        operation: 'remove_allowed_type',
        filter: {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'group', relation: 'member' },
          caveatName: null,
          hasExpiration: false,
        },
        details: { resource_type: 'document', relation: 'viewer', allowed_type: 'group#member', operation: 'remove_allowed_type' },
      },
      {
        operation: 'remove_allowed_type',
        filter: {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'user', relation: '...' },
          caveatName: 'cav',
          hasExpiration: false,
        },
        details: { resource_type: 'document', relation: 'viewer', allowed_type: 'user with cav', operation: 'remove_allowed_type' },
      },
      {
        operation: 'remove_allowed_type',
        filter: {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'user', relation: '...' },
          caveatName: null,
          hasExpiration: true,
        },
        details: { resource_type: 'document', relation: 'viewer', allowed_type: 'user with expiration', operation: 'remove_allowed_type' },
      },
    ]);
  });

  it('describes the refusal with the relationship found, in SpiceDB words', () => {
    const next = OLD.replace('| user:* ', '');
    const [check] = orphanChecks(compileSchemaOrThrow(OLD), compileSchemaOrThrow(next));
    expect(describeCheck(check, parseRelationship('document:somedoc#viewer@user:*'))).toBe(
      'cannot remove allowed type `user:*` from relation `viewer` in object definition `document`, as a relationship exists with it: document:somedoc#viewer@user:*',
    );
  });

  it('checks a removed relation as resource relation and as subject relation', () => {
    const next = OLD.replace('relation member: user', '').replace(' | group#member', '');
    const checks = orphanChecks(compileSchemaOrThrow(OLD), compileSchemaOrThrow(next));
    expect(checks.map((c) => [c.operation, c.filter])).toEqual([
      ['delete_relation', { resourceType: 'group', relation: 'member' }],
      ['delete_relation_reverse_check', { subject: { type: 'group', relation: 'member' } }],
      [
        'remove_allowed_type',
        {
          resourceType: 'document',
          relation: 'viewer',
          subject: { type: 'group', relation: 'member' },
          caveatName: null,
          hasExpiration: false,
        },
      ],
    ]);
    expect(describeCheck(checks[0], parseRelationship('group:eng#member@user:alice'))).toBe(
      'cannot delete relation `member` in object definition `group`, as at least one relationship exists under it: group:eng#member@user:alice',
    );
    expect(describeCheck(checks[1], parseRelationship('document:d#viewer@group:eng#member'))).toBe(
      'cannot delete relation `member` in object definition `group`, as at least one relationship references it as part of a subject: document:d#viewer@group:eng#member',
    );
  });

  it('checks a removed definition as resource type and as subject type', () => {
    const next = OLD.replace(/definition group \{[^}]*\}/, '').replace(' | group#member', '');
    const checks = orphanChecks(compileSchemaOrThrow(OLD), compileSchemaOrThrow(next));
    const defChecks = checks.filter((c) => c.operation === 'delete_object_definition');
    expect(defChecks.map((c) => c.filter)).toEqual([{ resourceType: 'group' }, { subject: { type: 'group' } }]);
    expect(describeCheck(defChecks[0], parseRelationship('group:eng#member@user:user-0'))).toBe(
      'cannot delete object definition `group`, as at least one relationship exists under it: group:eng#member@user:user-0',
    );
    expect(defChecks[0]?.details).toEqual({ resource_type: 'group', operation: 'delete_object_definition' });
  });

  it('refuses removed and retyped caveat parameters unconditionally, and checks removed caveats', () => {
    const next = OLD.replace(
      "caveat cav(first int, second string) {\n\tfirst == 1 && second == ''",
      "caveat cav(first string) {\n\tfirst == ''",
    ).replace(/caveat gone\(x int\) \{\n\tx == 1\n\}/, '');
    const checks = orphanChecks(compileSchemaOrThrow(OLD), compileSchemaOrThrow(next));
    expect(
      checks.map((c) => [
        c.operation,
        c.filter,
        c.unconditional ?? false,
        describeCheck(c, parseRelationship('document:d#viewer@user:u[cav]')),
      ]),
    ).toEqual([
      ['change_parameter_type', { caveatName: 'cav' }, true, 'cannot change the type of parameter `first` on caveat `cav`'],
      ['remove_parameter', { caveatName: 'cav' }, true, 'cannot remove parameter `second` on caveat `cav`'],
      [
        'delete_caveat',
        { caveatName: 'gone' },
        false,
        'cannot delete caveat `gone`, as at least one relationship references it: document:d#viewer@user:u[cav]',
      ],
    ]);
    expect(checks[1]?.details).toEqual({ caveat_name: 'cav', parameter_name: 'second', operation: 'remove_parameter' });
  });
});
