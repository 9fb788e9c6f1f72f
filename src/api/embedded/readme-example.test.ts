/**
 * Runs the README's embedded-API example verbatim (between the markers; the README imports
 * from 'trellis' where this file imports from the package entry point).
 */
import { expect, it, vi } from 'vitest';
import { Trellis } from '../../index.js';

it('the README example runs and prints what the README says', async () => {
  const printed: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
  try {
    // README-BEGIN
    const trellis = await Trellis.open({ datastore: 'memory' }); // or './data/trellis.db', or a postgres:// URL

    await trellis.writeSchema(`
      definition user {}

      definition team {
        relation member: user | team#member
      }

      definition document {
        relation owner: user
        relation viewer: user | team#member
        permission edit = owner
        permission view = viewer + edit
      }
    `);

    const { writtenAt } = await trellis.write([
      'team:eng#member@user:alice',
      'document:readme#viewer@team:eng#member',
      'document:readme#owner@user:bob',
    ]);

    // Reads are at least as fresh as the write (a ZedToken, as with SpiceDB).
    const consistency = { kind: 'at_least_as_fresh', token: writtenAt } as const;

    const alice = await trellis.check('document:readme', 'view', 'user:alice', { consistency });
    console.log(alice.permissionship); // has_permission

    for await (const r of trellis.lookupResources('document', 'edit', 'user:bob', { consistency })) {
      console.log(r.resourceId); // readme
    }

    const viewers: string[] = [];
    for await (const s of trellis.lookupSubjects('document:readme', 'view', 'user', { consistency })) {
      viewers.push(s.subject.id);
    }
    console.log(viewers.sort().join(', ')); // alice, bob

    await trellis.close();
    // README-END
  } finally {
    log.mockRestore();
  }
  expect(printed).toEqual(['has_permission', 'readme', 'alice, bob']);
});
