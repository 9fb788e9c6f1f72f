import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CannotUpdatePermissionError,
  CaveatParameterTypeError,
  ContextTooLargeError,
  DefinitionNotFoundError,
  DuplicateUpdateError,
  EmptyPreconditionError,
  ExceedsMaximumLimitError,
  InvalidArgumentError,
  InvalidCursorError,
  InvalidFilterError,
  InvalidSubjectTypeError,
  PreconditionFailedError,
  RelationshipAlreadyExistsError,
  SchemaNotFoundError,
  SchemaParseError,
  SchemaWouldOrphanError,
  TooManyChecksError,
  TooManyPreconditionsError,
  TooManyUpdatesError,
  formatRelationship,
} from '../../core/index.js';
import { Trellis } from './trellis.js';
import type { WatchEvent } from './watch.js';

const SCHEMA = `
definition user {}

definition group {
  relation member: user | group#member
}

caveat only_on(day string) {
  day == "monday"
}

definition document {
  relation owner: user
  relation viewer: user | user:* | group#member | user with only_on
  permission view = viewer + owner
}
`;

let t: Trellis;
beforeEach(async () => {
  t = await Trellis.open({ datastore: 'memory', quantizationMs: 0, gcIntervalMs: 0 });
});
afterEach(async () => {
  await t.close();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('schema', () => {
  it('has none at first, then reads back the canonical text', async () => {
    expect(await rejection(t.readSchema())).toEqual(new SchemaNotFoundError());
    const { writtenAt } = await t.writeSchema(SCHEMA);
    expect(writtenAt).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const { text } = await t.readSchema();
    expect(text).toContain('definition document {');
    expect(text).toContain('permission view = viewer + owner');
    const again = await t.writeSchema(text);
    expect((await t.readSchema()).text).toBe(text);
    expect(again.revision).toBeGreaterThan(0);
    const { schema } = await t.schema();
    expect([...schema.definitions.keys()].sort()).toEqual(['document', 'group', 'user']);
  });

  it('rejects unparsable schemas and changes that would orphan relationships', async () => {
    expect(await rejection(t.writeSchema('definition {'))).toBeInstanceOf(SchemaParseError);
    await t.writeSchema(SCHEMA);
    await t.touch('document:somedoc#viewer@user:user-0');
    const e = await rejection(t.writeSchema(SCHEMA.replace('relation viewer: user | user:*', 'relation viewer: user:*')));
    expect(e).toBeInstanceOf(SchemaWouldOrphanError);
    expect(e.message).toBe(
      'cannot remove allowed type `user` from relation `viewer` in object definition `document`, as a relationship exists with it: document:somedoc#viewer@user:user-0',
    );
    await t.delete('document:somedoc#viewer@user:user-0');
    await t.writeSchema(SCHEMA.replace('relation viewer: user | user:*', 'relation viewer: user:*'));
  });

  it('refuses removing or retyping a caveat parameter even when no relationship uses the caveat', async () => {
    await t.writeSchema(SCHEMA);
    const caveat = SCHEMA.slice(SCHEMA.indexOf('caveat only_on('), SCHEMA.indexOf(')', SCHEMA.indexOf('caveat only_on(')) + 1);
    const retyped = SCHEMA.replace(caveat, caveat.replace('day string', 'day int')).replace('day == "monday"', 'day == 1');
    const e = await rejection(t.writeSchema(retyped));
    expect(e).toBeInstanceOf(SchemaWouldOrphanError);
    expect(e.message).toBe('cannot change the type of parameter `day` on caveat `only_on`');
  });
});

describe('write path', () => {
  beforeEach(async () => {
    await t.writeSchema(SCHEMA);
  });

  it('writes strings and objects, and reads them back in a stable order', async () => {
    await t.write(['document:b#viewer@user:tom', 'document:a#viewer@user:*', 'document:a#viewer@user:sarah[only_on:{"day":"monday"}]']);
    await t.write({
      updates: [
        {
          operation: 'create',
          relationship: { resource: { type: 'document', id: 'a' }, relation: 'owner', subject: { type: 'user', id: 'ann' } },
        },
      ],
    });
    const read = await collect(t.read({ resourceType: 'document' }));
    expect(read.map((r) => formatRelationship(r.relationship))).toEqual([
      'document:a#owner@user:ann',
      'document:a#viewer@user:*',
      'document:a#viewer@user:sarah[only_on:{"day":"monday"}]',
      'document:b#viewer@user:tom',
    ]);
  });

  it('checks request-level limits before anything else, in SpiceDB order', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `nope:x${i}#viewer@user:u`);
    expect(await rejection(t.write(many))).toEqual(new TooManyUpdatesError(1001, 1000));
    const pre = Array.from({ length: 1001 }, () => ({ operation: 'must_match' as const, filter: { resourceType: 'document' } }));
    expect(await rejection(t.write({ updates: [], preconditions: pre }))).toEqual(new TooManyPreconditionsError(1001, 1000));
    expect(await rejection(t.write(['nope:a#viewer@user:u', 'nope:a#viewer@user:u[c]']))).toEqual(
      new DuplicateUpdateError('nope:a#viewer@user:u'),
    );
    const big = { day: 'x'.repeat(25_001) };
    const e = await rejection(
      t.write([
        {
          resource: { type: 'nope', id: 'a' },
          relation: 'viewer',
          subject: { type: 'user', id: 'u' },
          caveat: { name: 'only_on', context: big },
        },
      ]),
    );
    expect(e).toBeInstanceOf(ContextTooLargeError);
    expect((e as ContextTooLargeError).where).toBe('relationship');
  });

  it('validates against the schema inside the transaction', async () => {
    expect(await rejection(t.touch('folder:a#viewer@user:tom'))).toEqual(new DefinitionNotFoundError('folder'));
    expect(await rejection(t.touch('document:a#view@user:tom'))).toEqual(new CannotUpdatePermissionError('document', 'view'));
    const e = await rejection(t.touch('document:a#owner@user:*'));
    expect(e).toBeInstanceOf(InvalidSubjectTypeError);
    expect(e.message).toBe('subjects of type `user:*` are not allowed on relation `document#owner`');
    expect(
      await rejection(t.write({ updates: ['document:a#viewer@user:tom'], preconditions: [{ operation: 'must_match', filter: {} }] })),
    ).toEqual(new EmptyPreconditionError());
    expect(await collect(t.read({ resourceType: 'document' }))).toEqual([]);
  });

  it('type-checks stored caveat context with the real caveat compiler', async () => {
    const e = await rejection(t.touch('document:a#viewer@user:x[only_on:{"day":5}]'));
    expect(e).toBeInstanceOf(CaveatParameterTypeError);
    expect(e.message).toMatch(/^type error for parameters for caveat `only_on`: /);
    expect(await rejection(t.touch('document:a#viewer@user:x[only_on:{"night":"x"}]'))).toEqual(
      new CaveatParameterTypeError('only_on', 'night', 'unknown parameter `night`'),
    );
    await t.touch('document:a#viewer@user:x[only_on:{"day":"tuesday"}]');
    expect((await t.check('document:a', 'view', 'user:x', { context: { day: 'monday' } })).permissionship).toBe('no_permission');
  });

  it('evaluates preconditions and CREATE conflicts atomically', async () => {
    await t.create('document:a#viewer@user:tom');
    expect(await rejection(t.create('document:b#viewer@user:ann', 'document:a#viewer@user:tom'))).toBeInstanceOf(
      RelationshipAlreadyExistsError,
    );
    const e = await rejection(
      t.write({
        updates: ['document:c#viewer@user:ann'],
        preconditions: [{ operation: 'must_not_match', filter: { resourceType: 'document', resourceIds: ['a'] } }],
      }),
    );
    expect(e).toBeInstanceOf(PreconditionFailedError);
    await t.write({
      updates: ['document:c#viewer@user:ann'],
      preconditions: [{ operation: 'must_match', filter: { resourceType: 'document', resourceIds: ['a'] } }],
    });
    expect((await collect(t.read({ resourceType: 'document' }))).map((r) => formatRelationship(r.relationship))).toEqual([
      'document:a#viewer@user:tom',
      'document:c#viewer@user:ann',
    ]);
  });

  it('deletes by filter with limits and partial deletion', async () => {
    await t.write(['document:a#viewer@user:a', 'document:a#viewer@user:b', 'document:a#viewer@user:c']);
    expect(await rejection(t.deleteRelationships({}))).toEqual(new InvalidFilterError('at least one field must be set'));
    expect(await rejection(t.deleteRelationships({ resourceType: 'document' }, { limit: 1001 }))).toEqual(
      new ExceedsMaximumLimitError(1001, 1000),
    );
    expect(await rejection(t.deleteRelationships({ resourceType: 'document' }, { limit: 2 }))).toMatchObject({
      kind: 'too_many_relationships_for_delete',
    });
    const partial = await t.deleteRelationships({ resourceType: 'document' }, { limit: 2, allowPartial: true });
    expect([partial.deleted, partial.complete]).toEqual([2, false]);
    const rest = await t.deleteRelationships({ resourceType: 'document', relation: 'viewer' });
    expect([rest.deleted, rest.complete]).toEqual([1, true]);
  });

  it('pages reads with cursors pinned to the first page and refuses foreign cursors', async () => {
    await t.write(Array.from({ length: 5 }, (_, i) => `document:d${i}#viewer@user:u`));
    const first = await collect(t.read({ resourceType: 'document' }, { limit: 2 }));
    expect(first.map((r) => r.relationship.resource.id)).toEqual(['d0', 'd1']);
    await t.touch('document:d11#viewer@user:u'); // after the cursor's revision: invisible to the next pages
    const second = await collect(t.read({ resourceType: 'document' }, { limit: 2, cursor: first[1]!.afterResultCursor }));
    expect(second.map((r) => r.relationship.resource.id)).toEqual(['d2', 'd3']);
    expect(
      await rejection(collect(t.read({ resourceType: 'document', relation: 'viewer' }, { limit: 2, cursor: first[1]!.afterResultCursor }))),
    ).toBeInstanceOf(InvalidCursorError);
    expect(await rejection(collect(t.read({ resourceType: 'document' }, { limit: 1001 })))).toEqual(
      new ExceedsMaximumLimitError(1001, 1000),
    );
  });

  it('imports in one transaction and exports in pages', async () => {
    const { loaded } = await t.importRelationships(
      (function* () {
        yield 'document:a#viewer@user:a';
        yield ['document:b#viewer@user:b', 'document:c#viewer@user:c'];
      })(),
    );
    expect(loaded).toBe(3);
    expect(await rejection(t.importRelationships(['document:z#viewer@user:z', 'document:a#viewer@user:a']))).toBeInstanceOf(
      RelationshipAlreadyExistsError,
    );
    const pages = await collect(t.exportRelationships({ pageSize: 2 }));
    expect(pages.map((p) => p.relationships.map((r) => r.resource.id))).toEqual([['a', 'b'], ['c']]);
    const resumed = await collect(t.exportRelationships({ pageSize: 2, cursor: pages[0]!.afterResultCursor }));
    expect(resumed.map((p) => p.relationships.map((r) => r.resource.id))).toEqual([['c']]);
  });
});

describe('permissions', () => {
  beforeEach(async () => {
    await t.writeSchema(SCHEMA);
    await t.write([
      'group:eng#member@user:ann',
      'document:readme#viewer@group:eng#member',
      'document:readme#viewer@user:sam[only_on]',
      'document:other#owner@user:ann',
    ]);
  });

  it('answers with string shorthands and typed requests alike', async () => {
    expect((await t.check('document:readme', 'view', 'user:ann')).permissionship).toBe('has_permission');
    expect(
      (await t.check({ resource: { type: 'document', id: 'readme' }, permission: 'view', subject: { type: 'user', id: 'bob' } }))
        .permissionship,
    ).toBe('no_permission');
    const sam = await t.check('document:readme', 'view', 'user:sam');
    expect([sam.permissionship, sam.missingContext]).toEqual(['conditional_permission', ['day']]);
    expect((await t.check('document:readme', 'view', 'user:sam', { context: { day: 'monday' } })).permissionship).toBe('has_permission');
    const bulk = await t.checkBulk([
      { resource: 'document:readme', permission: 'view', subject: 'user:ann' },
      { resource: 'document:nope', permission: 'nope', subject: 'user:ann' },
    ]);
    expect(bulk.results.map((r) => (r.ok ? r.permissionship : r.error.name))).toEqual(['has_permission', 'RelationNotFoundError']);
    const resources = await collect(t.lookupResources('document', 'view', 'user:ann'));
    expect(resources.map((r) => r.resourceId).sort()).toEqual(['other', 'readme']);
    const subjects = await collect(t.lookupSubjects('document:readme', 'view', 'user'));
    expect(subjects.map((s) => [s.subject.id, s.subject.permissionship]).sort()).toEqual([
      ['ann', 'has_permission'],
      ['sam', 'conditional_permission'],
    ]);
    const expanded = await t.expand('document:readme', 'view');
    expect(expanded.tree.kind).toBe('intermediate');
  });

  it('enforces the request limits', async () => {
    const items = Array.from({ length: 10_001 }, () => ({ resource: 'document:readme', permission: 'view', subject: 'user:ann' }));
    expect(await rejection(t.checkBulk(items))).toEqual(new TooManyChecksError(10_001, 10_000));
    const e = await rejection(t.check('document:readme', 'view', 'user:sam', { context: { day: 'x'.repeat(5000) } }));
    expect(e).toBeInstanceOf(ContextTooLargeError);
    expect((e as ContextTooLargeError).where).toBe('request');
    expect(() => t.lookupResources('document', 'view', 'user:ann', { limit: 1001 })).toThrow(new ExceedsMaximumLimitError(1001, 1000));
  });
});

describe('read your writes', () => {
  it('sees its own writes under minimize_latency with a long quantization window, unless turned off', async () => {
    const day = 24 * 3600 * 1000;
    for (const readYourWrites of [true, false]) {
      const q = await Trellis.open({ datastore: 'memory', quantizationMs: day, gcIntervalMs: 0, readYourWrites });
      try {
        await q.writeSchema(SCHEMA);
        await q.touch('document:x#owner@user:ann');
        const r = await q.check('document:x', 'view', 'user:ann').catch((e: Error) => e.name);
        expect(r === 'SchemaNotFoundError' ? 'no_permission' : typeof r === 'string' ? r : r.permissionship).toBe(
          readYourWrites ? 'has_permission' : 'no_permission',
        );
      } finally {
        await q.close();
      }
    }
  });
});

describe('watch', () => {
  it('delivers matching changes in revision order and resumes from a token', async () => {
    await t.writeSchema(SCHEMA);
    const start = (await t.touch('document:zero#viewer@user:a')).writtenAt;
    const ac = new AbortController();
    const events: WatchEvent[] = [];
    const done = (async () => {
      for await (const e of t.watch({
        startToken: start,
        objectTypes: ['document'],
        signal: ac.signal,
        pollIntervalMs: 5,
        includeSchema: true,
      })) {
        events.push(e);
        if (events.length === 3) ac.abort();
      }
    })();
    await t.touch('group:eng#member@user:a'); // filtered out
    await t.write({ updates: ['document:a#viewer@user:a'], metadata: { who: 'test' } });
    await t.delete('document:zero#viewer@user:a');
    await t.writeSchema(SCHEMA);
    await done;
    expect(
      events.map((e) => [
        e.updates.map((u) => `${u.operation} ${formatRelationship(u.relationship)}`),
        e.metadata ?? null,
        e.schemaUpdated ?? false,
      ]),
    ).toEqual([
      [['touch document:a#viewer@user:a'], { who: 'test' }, false],
      [['delete document:zero#viewer@user:a'], null, false],
      [[], null, true],
    ]);
    const resumed: WatchEvent[] = [];
    const ac2 = new AbortController();
    for await (const e of t.watch({ startToken: events[0]!.changesThrough, signal: ac2.signal, pollIntervalMs: 5 })) {
      resumed.push(e);
      ac2.abort();
    }
    expect(resumed[0]?.updates.map((u) => u.operation)).toEqual(['delete']);
  });

  it('emits a checkpoint when only filtered-out revisions went by', async () => {
    await t.writeSchema(SCHEMA);
    const { writtenAt } = await t.touch('document:before#viewer@user:a');
    const ac = new AbortController();
    const it = t
      .watch({ startToken: writtenAt, objectTypes: ['document'], includeCheckpoints: true, signal: ac.signal, pollIntervalMs: 5 })
      [Symbol.asyncIterator]();
    const { revision } = await t.touch('group:eng#member@user:a');
    expect((await it.next()).value).toMatchObject({ updates: [], isCheckpoint: true, revision });
    await t.touch('document:after#viewer@user:a');
    const next = (await it.next()).value as WatchEvent;
    expect(next.updates.map((u) => formatRelationship(u.relationship))).toEqual(['document:after#viewer@user:a']);
    ac.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('starts at head when no token is given', async () => {
    await t.writeSchema(SCHEMA);
    await t.touch('document:before#viewer@user:a');
    const ac = new AbortController();
    const it = t.watch({ signal: ac.signal, pollIntervalMs: 5 })[Symbol.asyncIterator]();
    const first = it.next();
    // The watcher picks its start on the first poll; keep writing until it reports one.
    let settled: IteratorResult<WatchEvent> | undefined;
    void first.then((r) => {
      settled = r;
    });
    for (let i = 0; i < 200 && !settled; i++) {
      await t.touch(`document:after${i}#viewer@user:a`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const event = (await first).value as WatchEvent;
    expect(event.updates.map((u) => u.relationship.resource.id)).not.toContain('before');
    expect(event.updates[0]?.relationship.resource.id).toMatch(/^after\d+$/);
    ac.abort();
  });

  it('refuses object types together with filters', async () => {
    const it = t.watch({ objectTypes: ['document'], filters: [{ resourceType: 'document' }] })[Symbol.asyncIterator]();
    expect(await rejection(it.next())).toEqual(
      new InvalidArgumentError('cannot specify both object types and relationship filters', 'optional_relationship_filters'),
    );
    expect(
      await rejection(
        t
          .watch({ filters: [{}] })
          [Symbol.asyncIterator]()
          .next(),
      ),
    ).toEqual(new InvalidFilterError('at least one field must be set'));
    expect(
      await rejection(
        t
          .watch({ objectTypes: ['Bad'] })
          [Symbol.asyncIterator]()
          .next(),
      ),
    ).toBeInstanceOf(InvalidArgumentError);
  });
});
