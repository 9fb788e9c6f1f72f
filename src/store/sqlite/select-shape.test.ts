import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { RelationshipFilter } from '../../core/index.js';
import { buildSelect } from '../sql-filter.js';
import { sqliteDialect } from './sqlite-connection.js';
import { selectShape } from './select-shape.js';

const NOW = 1_700_000_000_000;
const dialect = sqliteDialect(() => NOW);
const word = fc.constantFrom('doc', 'user', 'group', 'viewer', 'member', '...', 'a', '*');
const ids = fc.array(fc.string({ maxLength: 4 }), { minLength: 0, maxLength: 80 });

const filters: fc.Arbitrary<RelationshipFilter> = fc.record(
  {
    resourceType: word,
    resourceIds: ids,
    relation: word,
    subject: fc.record({ type: word, ids, relation: fc.constantFrom('', 'member', '...') }, { requiredKeys: ['type'] }),
  },
  { requiredKeys: [] },
);

test('the fast path binds exactly what the general builder binds, and equal shapes share SQL', () => {
  const sqlByKey = new Map<string, string>();
  fc.assert(
    fc.property(filters, fc.integer({ min: 1, max: 1000 }), (filter, revision) => {
      const general = buildSelect({ filter, revision, order: 'resource' }, dialect);
      const shape = selectShape(filter, revision, NOW);
      expect(shape === undefined).toBe(general === undefined);
      if (!shape || !general) return;
      expect(shape.values).toEqual(general.values);
      const known = sqlByKey.get(shape.key);
      if (known === undefined) sqlByKey.set(shape.key, general.sql);
      else expect(general.sql).toBe(known);
    }),
    { numRuns: 3000 },
  );
});

test('reads the fast path does not cover go to the general builder', () => {
  const f: RelationshipFilter = { resourceType: 'doc', relation: 'viewer' };
  expect(selectShape(f, 3, NOW)?.values).toEqual(['doc', 'viewer', 3, 3, NOW]);
  expect(selectShape(f, 3, NOW, { order: 'resource' })?.key).toBe('tr');
  expect(selectShape(f, 3, NOW, { limit: 5 })).toBeUndefined();
  expect(selectShape(f, 3, NOW, { order: 'subject' })).toBeUndefined();
  expect(selectShape({ ...f, resourceIdPrefix: 'x' }, 3, NOW)).toBeUndefined();
  expect(selectShape({ ...f, caveatName: null }, 3, NOW)).toBeUndefined();
  expect(selectShape({ ...f, hasExpiration: true }, 3, NOW)).toBeUndefined();
  expect(selectShape({ ...f, resourceIds: [] }, 3, NOW)).toBeUndefined();
});
