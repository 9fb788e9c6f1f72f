/** Every RPC of the four authzed.api.v1 services, driven by the official Node client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { status } from '@grpc/grpc-js';
import { startHarness, type Harness } from './server-harness.js';
import { FULL, obj, rejection, rel, subj, update } from './helpers.js';

const SCHEMA = `caveat on_day(day string) {
  day == "tuesday"
}

definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation viewer: user | user:* | group#member | user with on_day
  relation banned: user
  permission view = viewer - banned
}
`;

let h: Harness;
let c: ReturnType<Harness['client']>['promises'];
let raw: ReturnType<Harness['client']>;
let lastToken = '';

beforeAll(async () => {
  h = await startHarness();
  raw = h.client();
  c = raw.promises;
  await c.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
  const w = await c.writeRelationships(
    v1.WriteRelationshipsRequest.create({
      updates: [
        update('create', rel('document:a#viewer@user:alice')),
        update('create', rel('document:a#viewer@group:eng#member')),
        update('create', rel('group:eng#member@user:bob')),
        update('create', rel('document:b#viewer@user:*')),
        update('create', rel('document:b#banned@user:mallory')),
        update('create', rel('document:c#viewer@user:carol', { name: 'on_day' })),
      ],
    }),
  );
  lastToken = w.writtenAt?.token ?? '';
});

afterAll(async () => {
  await h.close();
});

const check = (resource: [string, string], permission: string, subject: string, extra: Partial<v1.CheckPermissionRequest> = {}) =>
  c.checkPermission(
    v1.CheckPermissionRequest.create({ resource: obj(...resource), permission, subject: subj(subject), consistency: FULL(), ...extra }),
  );

describe('SchemaService', () => {
  it('reads back the written schema at head, with a token', async () => {
    const r = await c.readSchema(v1.ReadSchemaRequest.create({}));
    expect(r.schemaText).toContain('definition document {');
    expect(r.schemaText).toContain('permission view = viewer - banned');
    expect(r.readAt?.token).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('reflects definitions, caveats and filters', async () => {
    const r = await c.reflectSchema(v1.ReflectSchemaRequest.create({ consistency: FULL() }));
    expect(r.definitions.map((d) => d.name)).toEqual(['document', 'group', 'user']);
    expect(r.caveats.map((x) => [x.name, x.parameters.map((p) => `${p.name}:${p.type}`)])).toEqual([['on_day', ['day:string']]]);
    const doc = r.definitions[0];
    expect(doc?.relations.map((x) => x.name)).toEqual(['viewer', 'banned']);
    expect(doc?.permissions.map((x) => x.name)).toEqual(['view']);
    const types = doc?.relations[0]?.subjectTypes.map((t) => [t.subjectDefinitionName, t.optionalCaveatName, t.typeref.oneofKind]);
    expect(types).toEqual([
      ['user', '', 'isTerminalSubject'],
      ['user', '', 'isPublicWildcard'],
      ['group', '', 'optionalRelationName'],
      ['user', 'on_day', 'isTerminalSubject'],
    ]);
    const filtered = await c.reflectSchema(
      v1.ReflectSchemaRequest.create({ optionalFilters: [v1.ReflectionSchemaFilter.create({ optionalDefinitionNameFilter: 'gro' })] }),
    );
    expect(filtered.definitions.map((d) => d.name)).toEqual(['group']);
    expect(filtered.caveats).toEqual([]);
  });

  it('answers ComputablePermissions and DependentRelations', async () => {
    const cp = await c.computablePermissions(
      v1.ComputablePermissionsRequest.create({ definitionName: 'document', relationName: 'viewer' }),
    );
    expect(cp.permissions.map((p) => `${p.definitionName}#${p.relationName}:${p.isPermission}`)).toEqual(['document#view:true']);
    const dr = await c.dependentRelations(v1.DependentRelationsRequest.create({ definitionName: 'document', permissionName: 'view' }));
    // Dependencies are followed through subject relations too (viewer allows group#member).
    expect(dr.relations.map((p) => `${p.definitionName}#${p.relationName}`)).toEqual([
      'document#banned',
      'document#viewer',
      'group#member',
    ]);
    expect(cp.readAt?.token).toBeTruthy();
  });

  it('diffs a comparison schema against the stored one', async () => {
    const r = await c.diffSchema(v1.DiffSchemaRequest.create({ comparisonSchema: `${SCHEMA}\ndefinition folder {}\n` }));
    expect(r.diffs.map((d) => [d.diff.oneofKind, d.diff.oneofKind === 'definitionAdded' ? d.diff.definitionAdded.name : ''])).toEqual([
      ['definitionAdded', 'folder'],
    ]);
  });
});

describe('PermissionsService', () => {
  it('checks direct, nested, wildcard and excluded subjects', async () => {
    const P = v1.CheckPermissionResponse_Permissionship;
    expect((await check(['document', 'a'], 'view', 'user:alice')).permissionship).toBe(P.HAS_PERMISSION);
    expect((await check(['document', 'a'], 'view', 'user:bob')).permissionship).toBe(P.HAS_PERMISSION);
    expect((await check(['document', 'a'], 'view', 'user:zed')).permissionship).toBe(P.NO_PERMISSION);
    expect((await check(['document', 'b'], 'view', 'user:zed')).permissionship).toBe(P.HAS_PERMISSION);
    expect((await check(['document', 'b'], 'view', 'user:mallory')).permissionship).toBe(P.NO_PERMISSION);
    const r = await check(['document', 'a'], 'viewer', 'user:alice');
    expect(r.checkedAt?.token).toBeTruthy();
  });

  it('reports conditional results with the missing context, and decides them with context', async () => {
    const P = v1.CheckPermissionResponse_Permissionship;
    const partial = await check(['document', 'c'], 'view', 'user:carol');
    expect(partial.permissionship).toBe(P.CONDITIONAL_PERMISSION);
    expect(partial.partialCaveatInfo?.missingRequiredContext).toEqual(['day']);
    const yes = await check(['document', 'c'], 'view', 'user:carol', { context: v1.createStructFromObject({ day: 'tuesday' }) });
    expect(yes.permissionship).toBe(P.HAS_PERMISSION);
    const no = await check(['document', 'c'], 'view', 'user:carol', { context: v1.createStructFromObject({ day: 'monday' }) });
    expect(no.permissionship).toBe(P.NO_PERMISSION);
  });

  it('returns the explain trace with with_tracing', async () => {
    // A subject no earlier test asked about, so the root is computed rather than cached.
    const r = await check(['document', 'b'], 'view', 'user:tracy', { withTracing: true });
    const trace = r.debugTrace?.check;
    expect(trace?.resource).toEqual(obj('document', 'b'));
    expect(trace?.permission).toBe('view');
    // authzed-node does not re-export debug.proto's enums: PERMISSION_TYPE_PERMISSION = 2, PERMISSIONSHIP_HAS_PERMISSION = 2.
    expect(trace?.permissionType).toBe(2);
    expect(trace?.result).toBe(2);
    const sub = trace?.resolution.oneofKind === 'subProblems' ? trace.resolution.subProblems.traces : [];
    expect(sub.map((t) => [t.permission, t.permissionType])).toContainEqual(['viewer', 1]);
    expect(r.debugTrace?.schemaUsed).toContain('definition document');
  });

  it('bulk-checks in request order, with per-item errors', async () => {
    const item = (resource: [string, string], permission: string, subject: string) =>
      v1.CheckBulkPermissionsRequestItem.create({ resource: obj(...resource), permission, subject: subj(subject) });
    const r = await c.checkBulkPermissions(
      v1.CheckBulkPermissionsRequest.create({
        consistency: FULL(),
        items: [
          item(['document', 'a'], 'view', 'user:alice'),
          item(['document', 'a'], 'view', 'user:zed'),
          item(['document', 'a'], 'nope', 'user:zed'),
        ],
      }),
    );
    expect(r.checkedAt?.token).toBeTruthy();
    expect(r.pairs.map((p) => p.request?.subject?.object?.objectId)).toEqual(['alice', 'zed', 'zed']);
    const kinds = r.pairs.map((p) =>
      p.response.oneofKind === 'item'
        ? p.response.item.permissionship
        : p.response.oneofKind === 'error'
          ? `error:${p.response.error.code}`
          : 'none',
    );
    expect(kinds).toEqual([
      v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION,
      v1.CheckPermissionResponse_Permissionship.NO_PERMISSION,
      `error:${status.FAILED_PRECONDITION}`,
    ]);
  });

  it('expands one level of the userset tree', async () => {
    const r = await c.expandPermissionTree(
      v1.ExpandPermissionTreeRequest.create({ resource: obj('document', 'a'), permission: 'viewer', consistency: FULL() }),
    );
    expect(r.expandedAt?.token).toBeTruthy();
    expect(r.treeRoot?.expandedObject).toEqual(obj('document', 'a'));
    expect(r.treeRoot?.expandedRelation).toBe('viewer');
    const leaf = r.treeRoot?.treeType;
    expect(leaf?.oneofKind).toBe('leaf');
    if (leaf?.oneofKind === 'leaf') {
      expect(
        leaf.leaf.subjects
          .map((s) => `${s.object?.objectType}:${s.object?.objectId}${s.optionalRelation ? `#${s.optionalRelation}` : ''}`)
          .sort(),
      ).toEqual(['group:eng#member', 'user:alice']);
    }
  });

  it('looks up resources, with a cursor per result', async () => {
    const r = await c.lookupResources(
      v1.LookupResourcesRequest.create({
        resourceObjectType: 'document',
        permission: 'view',
        subject: subj('user:carol'),
        consistency: FULL(),
      }),
    );
    const got = r.map((x) => [x.resourceObjectId, x.permissionship, x.partialCaveatInfo?.missingRequiredContext ?? []]).sort();
    expect(got).toEqual([
      ['b', v1.LookupPermissionship.HAS_PERMISSION, []],
      ['c', v1.LookupPermissionship.CONDITIONAL_PERMISSION, ['day']],
    ]);
    expect(r.every((x) => (x.afterResultCursor?.token ?? '').length > 0 && x.lookedUpAt?.token === r[0]?.lookedUpAt?.token)).toBe(true);
  });

  it('pages lookup resources with a limit and cursors', async () => {
    const seen: string[] = [];
    let cursor: v1.Cursor | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await c.lookupResources(
        v1.LookupResourcesRequest.create({
          resourceObjectType: 'document',
          permission: 'view',
          subject: subj('user:alice'),
          optionalLimit: 1,
          ...(cursor ? { optionalCursor: cursor } : { consistency: FULL() }),
        }),
      );
      if (r.length === 0) break;
      expect(r.length).toBe(1);
      seen.push(r[0]?.resourceObjectId ?? '');
      cursor = r[0]?.afterResultCursor;
    }
    expect([...new Set(seen)].sort()).toEqual(['a', 'b']);
  });

  it('looks up subjects, filling both the new and the deprecated fields', async () => {
    const r = await c.lookupSubjects(
      v1.LookupSubjectsRequest.create({
        resource: obj('document', 'b'),
        permission: 'view',
        subjectObjectType: 'user',
        consistency: FULL(),
      }),
    );
    expect(r).toHaveLength(1);
    const s = r[0];
    expect(s?.subject?.subjectObjectId).toBe('*');
    expect(s?.excludedSubjects.map((e) => e.subjectObjectId)).toEqual(['mallory']);
    expect(s?.subjectObjectId).toBe('*');
    expect(s?.excludedSubjectIds).toEqual(['mallory']);
    expect(s?.permissionship).toBe(v1.LookupPermissionship.HAS_PERMISSION);
    const nested = await c.lookupSubjects(
      v1.LookupSubjectsRequest.create({
        resource: obj('document', 'a'),
        permission: 'view',
        subjectObjectType: 'user',
        consistency: FULL(),
      }),
    );
    expect(nested.map((x) => x.subject?.subjectObjectId).sort()).toEqual(['alice', 'bob']);
  });

  it('reads relationships by filter, page by page with cursors', async () => {
    const filter = v1.RelationshipFilter.create({ resourceType: 'document', optionalRelation: 'viewer' });
    const all = await c.readRelationships(v1.ReadRelationshipsRequest.create({ relationshipFilter: filter, consistency: FULL() }));
    expect(all.map((x) => x.relationship?.resource?.objectId).sort()).toEqual(['a', 'a', 'b', 'c']);
    expect(all.find((x) => x.relationship?.resource?.objectId === 'c')?.relationship?.optionalCaveat?.caveatName).toBe('on_day');
    const seen: string[] = [];
    let cursor: v1.Cursor | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await c.readRelationships(
        v1.ReadRelationshipsRequest.create({ relationshipFilter: filter, optionalLimit: 1, ...(cursor ? { optionalCursor: cursor } : {}) }),
      );
      if (r.length === 0) break;
      expect(r).toHaveLength(1);
      const x = r[0];
      seen.push(`${x?.relationship?.resource?.objectId}@${x?.relationship?.subject?.object?.objectId}`);
      cursor = x?.afterResultCursor;
    }
    expect(seen.sort()).toEqual(['a@alice', 'a@eng', 'b@*', 'c@carol']);
  });

  it('imports in one stream and exports everything', async () => {
    const loaded = await new Promise<v1.ImportBulkRelationshipsResponse>((resolve, reject) => {
      const stream = raw.importBulkRelationships((err, value) => (err || !value ? reject(err) : resolve(value)));
      stream.write(
        v1.ImportBulkRelationshipsRequest.create({
          relationships: [rel('document:imp1#viewer@user:ivan'), rel('document:imp2#viewer@user:ivan')],
        }),
      );
      stream.write(v1.ImportBulkRelationshipsRequest.create({ relationships: [rel('document:imp3#viewer@user:ivan')] }));
      stream.end();
    });
    expect(loaded.numLoaded).toBe('3');
    const pages = await c.exportBulkRelationships(v1.ExportBulkRelationshipsRequest.create({ consistency: FULL(), optionalLimit: 4 }));
    const ids = pages.flatMap((p) => p.relationships.map((r) => `${r.resource?.objectId}#${r.relation}@${r.subject?.object?.objectId}`));
    expect(ids).toHaveLength(9);
    expect(ids).toContain('imp3#viewer@ivan');
    expect(pages.every((p) => p.relationships.length <= 4 && (p.afterResultCursor?.token ?? '').length > 0)).toBe(true);
  });

  it('deletes by filter, partially when asked, and reports the count', async () => {
    const filter = v1.RelationshipFilter.create({
      resourceType: 'document',
      optionalSubjectFilter: v1.SubjectFilter.create({ subjectType: 'user', optionalSubjectId: 'ivan' }),
    });
    const partial = await c.deleteRelationships(
      v1.DeleteRelationshipsRequest.create({ relationshipFilter: filter, optionalLimit: 2, optionalAllowPartialDeletions: true }),
    );
    expect(partial.deletionProgress).toBe(v1.DeleteRelationshipsResponse_DeletionProgress.PARTIAL);
    expect(partial.relationshipsDeletedCount).toBe('2');
    const rest = await c.deleteRelationships(v1.DeleteRelationshipsRequest.create({ relationshipFilter: filter }));
    expect(rest.deletionProgress).toBe(v1.DeleteRelationshipsResponse_DeletionProgress.COMPLETE);
    expect(rest.relationshipsDeletedCount).toBe('1');
    expect(rest.deletedAt?.token).toBeTruthy();
  });

  it('issues increasing write tokens that reads accept', async () => {
    const w = await c.writeRelationships(
      v1.WriteRelationshipsRequest.create({ updates: [update('touch', rel('document:t#viewer@user:tina'))] }),
    );
    expect(w.writtenAt?.token).not.toBe(lastToken);
    const r = await c.checkPermission(
      v1.CheckPermissionRequest.create({
        resource: obj('document', 't'),
        permission: 'view',
        subject: subj('user:tina'),
        consistency: v1.Consistency.create({ requirement: { oneofKind: 'atLeastAsFresh', atLeastAsFresh: w.writtenAt! } }),
      }),
    );
    expect(r.permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
  });
});

describe('ExperimentalService (deprecated aliases)', () => {
  it('serves BulkCheckPermission with its own message types', async () => {
    const r = await c.bulkCheckPermission(
      v1.BulkCheckPermissionRequest.create({
        consistency: FULL(),
        items: [
          v1.BulkCheckPermissionRequestItem.create({ resource: obj('document', 'a'), permission: 'view', subject: subj('user:bob') }),
        ],
      }),
    );
    expect(r.pairs).toHaveLength(1);
    const p = r.pairs[0]?.response;
    expect(p?.oneofKind === 'item' ? p.item.permissionship : undefined).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
  });

  it('serves the experimental reflection and bulk export aliases', async () => {
    const r = await c.experimentalReflectSchema(v1.ExperimentalReflectSchemaRequest.create({}));
    expect(r.definitions.map((d) => d.name)).toEqual(['document', 'group', 'user']);
    const cp = await c.experimentalComputablePermissions(
      v1.ExperimentalComputablePermissionsRequest.create({ definitionName: 'group', relationName: 'member' }),
    );
    expect(cp.permissions.map((p) => `${p.definitionName}#${p.relationName}`)).toEqual(['document#view', 'document#viewer']);
    const pages = await c.bulkExportRelationships(v1.BulkExportRelationshipsRequest.create({ consistency: FULL() }));
    expect(pages.flatMap((p) => p.relationships).length).toBeGreaterThan(0);
  });

  it('registers, counts and unregisters relationship counters', async () => {
    const filter = v1.RelationshipFilter.create({ resourceType: 'document', optionalRelation: 'viewer' });
    const name = 'document_viewers';
    await c.experimentalRegisterRelationshipCounter(
      v1.ExperimentalRegisterRelationshipCounterRequest.create({ name, relationshipFilter: filter }),
    );
    const count = async () => {
      const r = await c.experimentalCountRelationships(v1.ExperimentalCountRelationshipsRequest.create({ name }));
      if (r.counterResult.oneofKind !== 'readCounterValue') throw new Error(`unexpected ${r.counterResult.oneofKind}`);
      expect(r.counterResult.readCounterValue.readAt?.token).toMatch(/./);
      return Number(r.counterResult.readCounterValue.relationshipCount);
    };
    const listed = await c.readRelationships(v1.ReadRelationshipsRequest.create({ relationshipFilter: filter, consistency: FULL() }));
    const base = await count();
    expect(base).toBe(listed.length);
    expect(base).toBeGreaterThan(0);
    // A count reads the head revision: a new viewer counts at once.
    await c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('touch', rel('document:z#viewer@user:zoe'))] }));
    expect(await count()).toBe(base + 1);
    await c.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [update('delete', rel('document:z#viewer@user:zoe'))] }));
    expect(await count()).toBe(base);

    expect(
      await rejection(
        c.experimentalRegisterRelationshipCounter(
          v1.ExperimentalRegisterRelationshipCounterRequest.create({
            name,
            relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'group' }),
          }),
        ),
      ),
    ).toEqual({
      code: status.FAILED_PRECONDITION,
      message: 'counter with name `document_viewers` already registered',
      reason: 'ERROR_REASON_COUNTER_ALREADY_REGISTERED',
      domain: 'authzed.com',
      metadata: {
        counter_name: name,
        new_filter_resource_type: 'group',
        new_filter_resource_id: '',
        new_filter_resource_id_prefix: '',
        new_filter_relation: '',
        new_filter_subject_type: '',
        new_filter_subject_id: '',
        new_filter_subject_relation: '',
      },
    });
    await c.experimentalUnregisterRelationshipCounter(v1.ExperimentalUnregisterRelationshipCounterRequest.create({ name }));
    const gone = await rejection(c.experimentalCountRelationships(v1.ExperimentalCountRelationshipsRequest.create({ name })));
    expect(gone).toEqual({
      code: status.FAILED_PRECONDITION,
      message: 'counter with name `document_viewers` not found',
      reason: 'ERROR_REASON_COUNTER_NOT_REGISTERED',
      domain: 'authzed.com',
      metadata: { counter_name: name },
    });
    expect(
      (await rejection(c.experimentalUnregisterRelationshipCounter(v1.ExperimentalUnregisterRelationshipCounterRequest.create({ name }))))
        .reason,
    ).toBe('ERROR_REASON_COUNTER_NOT_REGISTERED');
  });

  it('refuses bad counter names and filters', async () => {
    const bad = await rejection(
      c.experimentalRegisterRelationshipCounter(
        v1.ExperimentalRegisterRelationshipCounterRequest.create({
          name: 'Bad-Name',
          relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'document' }),
        }),
      ),
    );
    expect(bad).toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: 'invalid name: value does not match regex pattern `^[a-z][a-z0-9_]{1,62}[a-z0-9]$`',
    });
    const missing = await rejection(
      c.experimentalRegisterRelationshipCounter(v1.ExperimentalRegisterRelationshipCounterRequest.create({ name: 'ok_name' })),
    );
    expect(missing).toMatchObject({ code: status.INVALID_ARGUMENT, message: 'invalid relationship_filter: value is required' });
    const unknown = await rejection(
      c.experimentalRegisterRelationshipCounter(
        v1.ExperimentalRegisterRelationshipCounterRequest.create({
          name: 'ok_name',
          relationshipFilter: v1.RelationshipFilter.create({ resourceType: 'folder' }),
        }),
      ),
    );
    expect(unknown).toMatchObject({ code: status.FAILED_PRECONDITION, reason: 'ERROR_REASON_UNKNOWN_DEFINITION' });
  });
});
