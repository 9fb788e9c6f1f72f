import { describe, expect, it } from 'vitest';
import {
  CounterAlreadyRegisteredError,
  CounterNotRegisteredError,
  DefinitionNotFoundError,
  InvalidArgumentError,
  InvalidFilterError,
} from '../../core/index.js';
import { Trellis } from './trellis.js';

const SCHEMA = `
definition user {}
definition document {
  relation viewer: user
  relation owner: user
}
`;

async function open(): Promise<Trellis> {
  const t = await Trellis.open({ datastore: 'memory', gcIntervalMs: 0 });
  await t.writeSchema(SCHEMA);
  await t.write(['document:a#viewer@user:ann', 'document:a#viewer@user:bob', 'document:b#viewer@user:ann', 'document:a#owner@user:ann']);
  return t;
}

describe('relationship counters', () => {
  it('count the live relationships matching their filter at the head revision', async () => {
    const t = await open();
    try {
      const reg = await t.registerCounter('viewers', { resourceType: 'document', relation: 'viewer' });
      expect(reg.writtenAt).toMatch(/./);
      await t.registerCounter('ann_anything', { resourceType: 'document', subject: { type: 'user', ids: ['ann'] } });
      expect((await t.countRelationships('viewers')).count).toBe(3);
      expect((await t.countRelationships('ann_anything')).count).toBe(3);
      await t.delete('document:a#viewer@user:bob');
      const after = await t.countRelationships('viewers');
      expect(after.count).toBe(2);
      expect(after.revision).toBeGreaterThan(reg.revision);
      await t.unregisterCounter('viewers');
      await expect(t.countRelationships('viewers')).rejects.toThrow(new CounterNotRegisteredError('viewers'));
      expect((await t.countRelationships('ann_anything')).count).toBe(3);
    } finally {
      await t.close();
    }
  });

  it('refuses duplicate names, bad names and bad filters with clear errors', async () => {
    const t = await open();
    try {
      await t.registerCounter('viewers', { resourceType: 'document' });
      const dup = t.registerCounter('viewers', { resourceType: 'user' });
      await expect(dup).rejects.toBeInstanceOf(CounterAlreadyRegisteredError);
      await expect(dup).rejects.toThrow('counter with name `viewers` already registered');
      await expect(t.registerCounter('Viewers', { resourceType: 'document' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(t.registerCounter('x', { resourceType: 'document' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(t.registerCounter('empty_filter', {})).rejects.toBeInstanceOf(InvalidFilterError);
      await expect(t.registerCounter('unknown_type', { resourceType: 'folder' })).rejects.toBeInstanceOf(DefinitionNotFoundError);
      await expect(t.unregisterCounter('never_was')).rejects.toThrow('counter with name `never_was` not found');
    } finally {
      await t.close();
    }
  });
});
