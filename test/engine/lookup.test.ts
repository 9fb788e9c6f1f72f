import { describe, expect, it } from 'vitest';
import { InvalidCursorError, WildcardNotAllowedError } from '../../src/core/index.js';
import { collect, setup } from './harness.js';

const SCHEMA = `
caveat flag(allowed bool) {
  allowed
}
definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | user:* | user with flag | group#member
  relation banned: user | user with flag | user:*
  relation maybebanned: user:*
  relation notreallybanned: user
  permission view = viewer - banned
  permission nested = viewer - (maybebanned - notreallybanned)
}`;

const DATA = `
group:eng#member@user:alice
group:eng#member@user:bob
document:pub#viewer@user:*
document:pub#banned@user:eve
document:pub#banned@user:tom[flag]
document:priv#viewer@group:eng#member
document:priv#viewer@user:carol[flag]
document:priv#banned@user:bob
document:none#viewer@user:alice
document:none#banned@user:*
document:n#viewer@user:*
document:n#maybebanned@user:*
document:n#notreallybanned@user:sarah
`;

describe('lookup subjects', () => {
  it('returns the wildcard with its exclusions, conditional ones included', async () => {
    const h = await setup(SCHEMA, DATA);
    const found = await collect(
      h.engine.lookupSubjects({ resource: { type: 'document', id: 'pub' }, permission: 'view', subjectType: 'user' }),
    );
    expect(found.map((f) => [f.subject, f.excluded])).toEqual([
      [
        { id: '*', permissionship: 'has_permission' },
        [
          { id: 'eve', permissionship: 'has_permission' },
          { id: 'tom', permissionship: 'conditional_permission', missingContext: ['allowed'] },
        ],
      ],
    ]);
    // With the context deciding tom's caveat as false, tom is not excluded at all.
    const withContext = await collect(
      h.engine.lookupSubjects({
        resource: { type: 'document', id: 'pub' },
        permission: 'view',
        subjectType: 'user',
        context: { allowed: false },
      }),
    );
    expect(withContext.map((f) => [f.subject.id, f.excluded.map((e) => e.id)])).toEqual([['*', ['eve']]]);
    await h.close();
  });

  it('resolves subject sets, caveats and exclusions of concrete subjects', async () => {
    const h = await setup(SCHEMA, DATA);
    const found = await collect(
      h.engine.lookupSubjects({ resource: { type: 'document', id: 'priv' }, permission: 'view', subjectType: 'user' }),
    );
    expect(found.map((f) => f.subject)).toEqual([
      { id: 'alice', permissionship: 'has_permission' },
      { id: 'carol', permissionship: 'conditional_permission', missingContext: ['allowed'] },
    ]);
    const denied = await collect(
      h.engine.lookupSubjects({
        resource: { type: 'document', id: 'priv' },
        permission: 'view',
        subjectType: 'user',
        context: { allowed: false },
      }),
    );
    expect(denied.map((f) => f.subject.id)).toEqual(['alice']);
    const groups = await collect(
      h.engine.lookupSubjects({
        resource: { type: 'document', id: 'priv' },
        permission: 'viewer',
        subjectType: 'group',
        subjectRelation: 'member',
      }),
    );
    expect(groups.map((f) => f.subject.id)).toEqual(['eng']);
    await h.close();
  });

  it('applies the wildcard exclusion algebra (reference §5.2)', async () => {
    const h = await setup(SCHEMA, DATA);
    const none = await collect(
      h.engine.lookupSubjects({ resource: { type: 'document', id: 'none' }, permission: 'view', subjectType: 'user' }),
    );
    expect(none).toEqual([]);
    const nested = await collect(
      h.engine.lookupSubjects({ resource: { type: 'document', id: 'n' }, permission: 'nested', subjectType: 'user' }),
    );
    expect(nested.map((f) => [f.subject.id, f.excluded.map((e) => e.id)])).toEqual([['sarah', []]]);
    await h.close();
  });
});

describe('lookup resources', () => {
  it('streams allowed and conditional resources in id order and pages with cursors', async () => {
    const h = await setup(SCHEMA, DATA);
    const subject = { type: 'user', id: 'carol' };
    const all = await collect(h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject }));
    expect(all.map((r) => [r.resourceId, r.permissionship, r.missingContext])).toEqual([
      ['n', 'has_permission', undefined],
      ['priv', 'conditional_permission', ['allowed']],
      ['pub', 'has_permission', undefined],
    ]);
    const page1 = await collect(h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject, limit: 2 }));
    expect(page1.map((r) => r.resourceId)).toEqual(['n', 'priv']);
    const page2 = await collect(
      h.engine.lookupResources({
        resourceType: 'document',
        permission: 'view',
        subject,
        limit: 2,
        cursor: page1[1]?.afterResultCursor as string,
      }),
    );
    expect(page2.map((r) => r.resourceId)).toEqual(['pub']);
    await h.close();
  });

  it('refuses cursors of another call and wildcard subjects', async () => {
    const h = await setup(SCHEMA, DATA);
    const [first] = await collect(
      h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject: { type: 'user', id: 'carol' }, limit: 1 }),
    );
    const err = await collect(
      h.engine.lookupResources({
        resourceType: 'document',
        permission: 'view',
        subject: { type: 'user', id: 'alice' },
        cursor: first?.afterResultCursor as string,
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCursorError);
    expect((err as Error).message).toBe('invalid cursor: cursor was issued for a different request');
    await expect(
      collect(
        h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject: { type: 'user', id: 'x' }, cursor: 'garbage' }),
      ),
    ).rejects.toThrow(new InvalidCursorError('malformed cursor'));
    await expect(
      collect(h.engine.lookupResources({ resourceType: 'document', permission: 'view', subject: { type: 'user', id: '*' } })),
    ).rejects.toBeInstanceOf(WildcardNotAllowedError);
    await h.close();
  });
});
