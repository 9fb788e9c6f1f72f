/** The gRPC codes, ErrorInfo reasons, metadata and messages of reference §1.6, as a SpiceDB client sees them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { status } from '@grpc/grpc-js';
import { startHarness, type Harness } from './server-harness.js';
import { FULL, obj, rejection, rel, subj, update } from './helpers.js';

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
  relation parent: document
  permission view = viewer + parent->view
}`;

let h: Harness;
let c: ReturnType<Harness['client']>['promises'];

beforeAll(async () => {
  h = await startHarness();
  c = h.client().promises;
  await c.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
  await c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('create', rel('document:a#viewer@user:alice'))] }));
});

afterAll(async () => {
  await h.close();
});

const checkReq = (type: string, id: string, permission: string, subject: string) =>
  v1.CheckPermissionRequest.create({ resource: obj(type, id), permission, subject: subj(subject), consistency: FULL() });

describe('schema errors', () => {
  it('parse error: INVALID_ARGUMENT, SCHEMA_PARSE_ERROR, 0-based positions in metadata, 1-based in the message', async () => {
    const e = await rejection(
      c.writeSchema(v1.WriteSchemaRequest.create({ schema: 'definition user {}\ndefinition doc {\n  relation viewer user\n}' })),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('ERROR_REASON_SCHEMA_PARSE_ERROR');
    expect(e.domain).toBe('authzed.com');
    expect(e.message).toMatch(/^parse error in `schema`, line 3, column \d+: /);
    expect(e.metadata?.['start_line_number']).toBe('2');
  });

  it('type error: FAILED_PRECONDITION, SCHEMA_TYPE_ERROR', async () => {
    const e = await rejection(
      c.writeSchema(v1.WriteSchemaRequest.create({ schema: 'definition user {}\ndefinition doc {\n  permission view = nope\n}' })),
    );
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('ERROR_REASON_SCHEMA_TYPE_ERROR');
    expect(e.metadata?.['definition_name']).toBe('doc');
  });

  it('a write that would orphan relationships: INVALID_ARGUMENT, SCHEMA_TYPE_ERROR with the operation', async () => {
    const without = 'definition user {}\ndefinition document {\n  relation parent: document\n  permission view = parent->view\n}';
    const e = await rejection(c.writeSchema(v1.WriteSchemaRequest.create({ schema: without })));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('ERROR_REASON_SCHEMA_TYPE_ERROR');
    expect(e.metadata?.['operation']).toBe('delete_relation');
  });
});

describe('request errors', () => {
  it('unknown definition: FAILED_PRECONDITION, UNKNOWN_DEFINITION', async () => {
    const e = await rejection(c.checkPermission(checkReq('folder', 'x', 'view', 'user:alice')));
    expect(e).toEqual({
      code: status.FAILED_PRECONDITION,
      message: 'object definition `folder` not found',
      reason: 'ERROR_REASON_UNKNOWN_DEFINITION',
      domain: 'authzed.com',
      metadata: { definition_name: 'folder' },
    });
  });

  it('unknown relation: FAILED_PRECONDITION, UNKNOWN_RELATION_OR_PERMISSION', async () => {
    const e = await rejection(c.checkPermission(checkReq('document', 'a', 'edit', 'user:alice')));
    expect(e).toEqual({
      code: status.FAILED_PRECONDITION,
      message: 'relation/permission `edit` not found under definition `document`',
      reason: 'ERROR_REASON_UNKNOWN_RELATION_OR_PERMISSION',
      domain: 'authzed.com',
      metadata: { definition_name: 'document', relation_or_permission_name: 'edit' },
    });
  });

  it('malformed names and ids: plain INVALID_ARGUMENT', async () => {
    for (const req of [
      checkReq('Document', 'a', 'view', 'user:alice'),
      checkReq('document', 'a b', 'view', 'user:alice'),
      checkReq('document', 'a', 'v', 'user:alice'),
      checkReq('document', '*', 'view', 'user:alice'),
    ]) {
      const e = await rejection(c.checkPermission(req));
      expect(e.code).toBe(status.INVALID_ARGUMENT);
      expect(e.reason).toBeUndefined();
    }
  });

  it('wildcard subject in a check: INVALID_ARGUMENT, WILDCARD_NOT_ALLOWED', async () => {
    const e = await rejection(c.checkPermission(checkReq('document', 'a', 'view', 'user:*')));
    expect(e).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'ERROR_REASON_WILDCARD_NOT_ALLOWED',
      message: 'cannot perform check on wildcard subject',
    });
  });

  it('missing required message: INVALID_ARGUMENT', async () => {
    const e = await rejection(c.checkPermission(v1.CheckPermissionRequest.create({ permission: 'view', subject: subj('user:alice') })));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
  });

  it('bad ZedToken: INVALID_ARGUMENT; a token from the future: OUT_OF_RANGE', async () => {
    const bad = await rejection(
      c.checkPermission({
        ...checkReq('document', 'a', 'view', 'user:alice'),
        consistency: v1.Consistency.create({
          requirement: { oneofKind: 'atExactSnapshot', atExactSnapshot: v1.ZedToken.create({ token: 'not a token!' }) },
        }),
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    const head = await c.readSchema(v1.ReadSchemaRequest.create({}));
    const decoded = Buffer.from(head.readAt?.token ?? '', 'base64')
      .toString('utf8')
      .split('.');
    decoded[1] = String(Number(decoded[1]) + 1000);
    const future = Buffer.from(decoded.join('.'), 'utf8').toString('base64');
    const e = await rejection(
      c.checkPermission({
        ...checkReq('document', 'a', 'view', 'user:alice'),
        consistency: v1.Consistency.create({
          requirement: { oneofKind: 'atExactSnapshot', atExactSnapshot: v1.ZedToken.create({ token: future }) },
        }),
      }),
    );
    expect(e.code).toBe(status.OUT_OF_RANGE);
  });

  it('LookupSubjects with a concrete limit: UNIMPLEMENTED', async () => {
    const e = await rejection(
      c.lookupSubjects(
        v1.LookupSubjectsRequest.create({
          resource: obj('document', 'a'),
          permission: 'view',
          subjectObjectType: 'user',
          optionalConcreteLimit: 5,
        }),
      ),
    );
    expect(e).toEqual({ code: status.UNIMPLEMENTED, message: 'concrete limit is not yet supported' });
  });

  it('limit above the maximum: INVALID_ARGUMENT, EXCEEDS_MAXIMUM_ALLOWABLE_LIMIT', async () => {
    const e = await rejection(
      c.readRelationships(
        v1.ReadRelationshipsRequest.create({
          relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'document' }),
          optionalLimit: 5000,
        }),
      ),
    );
    expect(e).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'ERROR_REASON_EXCEEDS_MAXIMUM_ALLOWABLE_LIMIT',
      metadata: { limit_provided: '5000', maximum_limit_allowed: '1000' },
    });
  });

  it('more than 10 000 bulk checks: INVALID_ARGUMENT with the counts', async () => {
    const item = v1.CheckBulkPermissionsRequestItem.create({
      resource: obj('document', 'a'),
      permission: 'view',
      subject: subj('user:alice'),
    });
    const e = await rejection(
      c.checkBulkPermissions(v1.CheckBulkPermissionsRequest.create({ items: Array.from({ length: 10_001 }, () => item) })),
    );
    expect(e).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'check count of 10001 is greater than maximum allowed of 10000',
      reason: 'ERROR_REASON_UNSPECIFIED',
      domain: 'authzed.com',
      metadata: { check_count: '10001', maximum_checks_allowed: '10000' },
    });
  });

  it('empty filter: INVALID_ARGUMENT, INVALID_FILTER', async () => {
    const e = await rejection(
      c.deleteRelationships(v1.DeleteRelationshipsRequest.create({ relationshipFilter: v1.RelationshipFilter.create({}) })),
    );
    expect(e).toMatchObject({ code: status.INVALID_ARGUMENT, reason: 'ERROR_REASON_INVALID_FILTER' });
  });

  it('stale or foreign cursor: FAILED_PRECONDITION, INVALID_CURSOR', async () => {
    const e = await rejection(
      c.readRelationships(
        v1.ReadRelationshipsRequest.create({
          relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'document' }),
          optionalCursor: v1.Cursor.create({ token: 'garbage' }),
        }),
      ),
    );
    expect(e).toMatchObject({ code: status.FAILED_PRECONDITION, reason: 'ERROR_REASON_INVALID_CURSOR' });
  });
});

describe('write errors', () => {
  it('CREATE of an existing relationship: ALREADY_EXISTS with the relationship in metadata', async () => {
    const e = await rejection(
      c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('create', rel('document:a#viewer@user:alice'))] })),
    );
    expect(e.code).toBe(status.ALREADY_EXISTS);
    expect(e.reason).toBe('ERROR_REASON_ATTEMPT_TO_RECREATE_RELATIONSHIP');
    expect(e.message).toBe(
      'could not CREATE relationship `document:a#viewer@user:alice`, as it already existed. If this is persistent, please switch to TOUCH operations or specify a precondition',
    );
    expect(e.metadata).toMatchObject({
      resource_type: 'document',
      resource_object_id: 'a',
      resource_relation: 'viewer',
      subject_type: 'user',
      subject_object_id: 'alice',
    });
  });

  it('a write to a permission: INVALID_ARGUMENT, CANNOT_UPDATE_PERMISSION', async () => {
    const e = await rejection(
      c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('touch', rel('document:a#view@user:alice'))] })),
    );
    expect(e).toMatchObject({ code: status.INVALID_ARGUMENT, reason: 'ERROR_REASON_CANNOT_UPDATE_PERMISSION' });
  });

  it('a subject type the relation does not allow: INVALID_ARGUMENT, INVALID_SUBJECT_TYPE', async () => {
    const e = await rejection(
      c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('touch', rel('document:a#viewer@document:b'))] })),
    );
    expect(e).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'ERROR_REASON_INVALID_SUBJECT_TYPE',
      metadata: { definition_name: 'document', relation_name: 'viewer' },
    });
  });

  it('the same relationship twice: INVALID_ARGUMENT, UPDATES_ON_SAME_RELATIONSHIP', async () => {
    const r = rel('document:z#viewer@user:zoe');
    const e = await rejection(
      c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('touch', r), update('delete', r)] })),
    );
    expect(e).toMatchObject({ code: status.INVALID_ARGUMENT, reason: 'ERROR_REASON_UPDATES_ON_SAME_RELATIONSHIP' });
  });

  it('more than 1000 updates: INVALID_ARGUMENT, TOO_MANY_UPDATES_IN_REQUEST', async () => {
    const updates = Array.from({ length: 1001 }, (_, i) => update('touch', rel(`document:n${i}#viewer@user:u`)));
    const e = await rejection(c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates })));
    expect(e).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'too many updates (1001) for WriteRelationships call (maximum: 1000); consider using ImportBulkRelationships API instead',
      reason: 'ERROR_REASON_TOO_MANY_UPDATES_IN_REQUEST',
      domain: 'authzed.com',
      metadata: { update_count: '1001', maximum_updates_allowed: '1000' },
    });
  });

  it('a failed precondition: FAILED_PRECONDITION, WRITE_OR_DELETE_PRECONDITION_FAILURE', async () => {
    const e = await rejection(
      c.writeRelationships(
        v1.WriteRelationshipsRequest.create({
          updates: [update('touch', rel('document:p#viewer@user:pat'))],
          optionalPreconditions: [
            v1.Precondition.create({
              operation: v1.Precondition_Operation.MUST_MATCH,
              filter: v1.RelationshipFilter.create({ resourceType: 'document', optionalResourceId: 'nothing' }),
            }),
          ],
        }),
      ),
    );
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('ERROR_REASON_WRITE_OR_DELETE_PRECONDITION_FAILURE');
    expect(e.metadata).toMatchObject({
      precondition_operation: 'OPERATION_MUST_MATCH',
      precondition_resource_type: 'document',
      precondition_resource_id: 'nothing',
    });
  });

  it('an unspecified operation: INVALID_ARGUMENT', async () => {
    const e = await rejection(
      c.writeRelationships(
        v1.WriteRelationshipsRequest.create({
          updates: [
            v1.RelationshipUpdate.create({
              operation: v1.RelationshipUpdate_Operation.UNSPECIFIED,
              relationship: rel('document:q#viewer@user:q'),
            }),
          ],
        }),
      ),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
  });

  it('delete over the limit without partial: INVALID_ARGUMENT, TOO_MANY_RELATIONSHIPS_FOR_TRANSACTIONAL_DELETE', async () => {
    await c.writeRelationships(
      v1.WriteRelationshipsRequest.create({
        updates: [update('touch', rel('document:d1#viewer@user:dan')), update('touch', rel('document:d2#viewer@user:dan'))],
      }),
    );
    const filter = v1.RelationshipFilter.create({
      resourceType: 'document',
      optionalSubjectFilter: v1.SubjectFilter.create({ subjectType: 'user', optionalSubjectId: 'dan' }),
    });
    const e = await rejection(
      c.deleteRelationships(v1.DeleteRelationshipsRequest.create({ relationshipFilter: filter, optionalLimit: 1 })),
    );
    expect(e).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'ERROR_REASON_TOO_MANY_RELATIONSHIPS_FOR_TRANSACTIONAL_DELETE',
      message: 'found more than 1 relationships to be deleted and partial deletion was not requested',
    });
  });
});

describe('deadlines', () => {
  it('an already expired deadline answers DEADLINE_EXCEEDED', async () => {
    const client = h.client();
    const e = await new Promise<{ code: number }>((resolve) => {
      client.checkPermission(checkReq('document', 'a', 'view', 'user:alice'), { deadline: Date.now() - 100 }, (err) =>
        resolve(err as { code: number }),
      );
    });
    expect(e.code).toBe(status.DEADLINE_EXCEEDED);
  });
});
