import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trellis } from '../../api/embedded/index.js';
import { singleTrellis, startServer, type RunningServer } from '../../api/grpc/index.js';
import { openBackend, type CliBackend } from './backend.js';

const BEFORE = `caveat c1(a int, b string) {
  a > 1 && b != ""
}

definition user {}

definition group {
  relation member: user
}

/** docs */
definition document {
  relation viewer: user | group#member
  relation editor: user
  permission view = viewer + editor
}
`;

const AFTER = `caveat c1(a string, c int) {
  c > 1 && a != ""
}

definition user {}

definition folder {}

/** documents */
definition document {
  relation viewer: user | user:*
  relation owner: user
  permission view = viewer + owner
  permission edit = owner
}
`;

let server: RunningServer;
let local: CliBackend;
let remote: CliBackend;

beforeAll(async () => {
  const t = await Trellis.open({ datastore: 'memory', quantizationMs: 0 });
  server = await startServer({ address: '127.0.0.1:0', provider: singleTrellis(t), shutdownGraceMs: 1_000 });
  remote = await openBackend({ endpoint: `127.0.0.1:${server.port}`, insecure: true });
  local = await openBackend({ datastore: 'memory' });
  await remote.writeSchema(BEFORE);
  await local.writeSchema(BEFORE);
});

afterAll(async () => {
  await local.close();
  await remote.close();
  await server.close();
});

describe('CLI backends', () => {
  it('print the same schema diff locally and over gRPC', async () => {
    const l = await local.diffSchema(AFTER);
    const r = await remote.diffSchema(AFTER);
    expect(r).toEqual(l);
    expect(l).toEqual(
      expect.arrayContaining([
        'definition_added folder',
        'definition_removed group',
        'relation_added document#owner',
        'relation_removed document#editor',
        'permission_added document#edit',
        'relation_subject_type_added document#viewer user:*',
        'relation_subject_type_removed document#viewer group#member',
      ]),
    );
    expect(l.some((x) => x.startsWith('caveat_parameter_type_changed c1.a int -> string'))).toBe(true);
  });

  it('answer checks, lookups and reads the same way', async () => {
    for (const b of [local, remote])
      await b.write({
        updates: [
          {
            operation: 'touch',
            relationship: { resource: { type: 'document', id: 'd' }, relation: 'viewer', subject: { type: 'user', id: 'u' } },
          },
        ],
      });
    const check = (b: CliBackend) =>
      b.check({
        resource: { type: 'document', id: 'd' },
        permission: 'view',
        subject: { type: 'user', id: 'u' },
        consistency: { kind: 'fully_consistent' },
      });
    expect((await check(remote)).permissionship).toBe((await check(local)).permissionship);
    const ids = async (b: CliBackend) => {
      const out: string[] = [];
      for await (const r of b.lookupResources({
        resourceType: 'document',
        permission: 'view',
        subject: { type: 'user', id: 'u' },
        consistency: { kind: 'fully_consistent' },
      }))
        out.push(r.resourceId);
      return out;
    };
    expect(await ids(remote)).toEqual(await ids(local));
    const rels = async (b: CliBackend) => {
      const out: unknown[] = [];
      for await (const r of b.read({ resourceType: 'document' }, { consistency: { kind: 'fully_consistent' } })) out.push(r.relationship);
      return out;
    };
    expect(await rels(remote)).toEqual(await rels(local));
  });
});
