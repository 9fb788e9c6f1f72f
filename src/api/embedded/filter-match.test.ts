import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatRelationship, relationshipKey } from '../../core/index.js';
import type { Relationship, RelationshipFilter } from '../../core/index.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { matchesFilter } from './filter-match.js';

// Watch filters client-side; the store filters in SQL. Both must agree on every filter.
const types = ['doc', 'folder'] as const;
const ids = ['a', 'ab', 'abc', 'b'] as const;
const relations = ['viewer', 'owner'] as const;

const relationship: fc.Arbitrary<Relationship> = fc.record({
  resource: fc.record({ type: fc.constantFrom(...types), id: fc.constantFrom(...ids) }),
  relation: fc.constantFrom(...relations),
  subject: fc.oneof(
    fc.record({ type: fc.constant('user'), id: fc.constantFrom('u1', 'u2', '*') }),
    fc.record({ type: fc.constant('group'), id: fc.constantFrom('g1', 'g2'), relation: fc.constantFrom('member', 'admin') }),
  ),
});

const filter: fc.Arbitrary<RelationshipFilter> = fc
  .record(
    {
      resourceType: fc.constantFrom(...types),
      resourceIds: fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 2 }),
      resourceIdPrefix: fc.constantFrom('a', 'ab', 'b'),
      relation: fc.constantFrom(...relations),
      subject: fc.record(
        {
          type: fc.constantFrom('user', 'group'),
          ids: fc.uniqueArray(fc.constantFrom('u1', '*', 'g1'), { minLength: 1, maxLength: 2 }),
          relation: fc.constantFrom('...', 'member'),
        },
        { requiredKeys: ['type'] },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((f) => !(f.resourceIds && f.resourceIdPrefix));

let store: Store;
beforeAll(async () => {
  store = await openStore('memory', { quantizationMs: 0, gcIntervalMs: 0 });
});
afterAll(async () => {
  await store.close();
});

describe('matchesFilter', () => {
  it('agrees with the store query for every filter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(relationship, { maxLength: 25, selector: relationshipKey }),
        fc.array(filter, { minLength: 1, maxLength: 5 }),
        async (rels, filters) => {
          await store.write(async (tx) => {
            await tx.deleteByFilter({ resourceType: 'doc' });
            await tx.deleteByFilter({ resourceType: 'folder' });
            await tx.apply(rels.map((relationship) => ({ operation: 'touch', relationship })));
          });
          const reader = store.reader(await store.headRevision());
          for (const f of filters) {
            const fromStore = (await reader.query(f)).map(formatRelationship).sort();
            const local = rels
              .filter((r) => matchesFilter(r, f))
              .map(formatRelationship)
              .sort();
            expect(local, JSON.stringify(f)).toEqual(fromStore);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
