/** Watch: changes arrive in commit order, filtered by type, and a stream can resume from a token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@authzed/authzed-node';
import { startHarness, type Harness } from './server-harness.js';
import { rel, update } from './helpers.js';

const SCHEMA = 'definition user {}\ndefinition doc {\n  relation viewer: user\n}\ndefinition folder {\n  relation viewer: user\n}';

let h: Harness;
let raw: ReturnType<Harness['client']>;
let schemaToken = '';

beforeAll(async () => {
  h = await startHarness();
  raw = h.client();
  schemaToken = (await raw.promises.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }))).writtenAt?.token ?? '';
});

afterAll(async () => {
  await h.close();
});

/** Reads `count` responses from a Watch stream, then cancels it (bounded by a timeout). */
function take(req: v1.WatchRequest, count: number, timeoutMs = 10_000): Promise<v1.WatchResponse[]> {
  return new Promise((resolve, reject) => {
    const got: v1.WatchResponse[] = [];
    const stream = raw.watch(req);
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error(`watch timed out after ${got.length} of ${count} responses`));
    }, timeoutMs);
    stream.on('data', (r: v1.WatchResponse) => {
      got.push(r);
      if (got.length === count) {
        clearTimeout(timer);
        stream.cancel();
        resolve(got);
      }
    });
    stream.on('error', (e: { code?: number }) => {
      // Cancelling our own stream surfaces as CANCELLED (1); anything else is a failure.
      if (e.code !== 1) {
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

const text = (u: v1.RelationshipUpdate): string => {
  const r = u.relationship;
  const op = u.operation === v1.RelationshipUpdate_Operation.DELETE ? '-' : '+';
  return `${op}${r?.resource?.objectType}:${r?.resource?.objectId}#${r?.relation}@${r?.subject?.object?.objectType}:${r?.subject?.object?.objectId}`;
};

describe('Watch', () => {
  const tokens: string[] = [];

  it('delivers writes in commit order with their tokens', async () => {
    const watching = take(v1.WatchRequest.create({ optionalStartCursor: v1.ZedToken.create({ token: schemaToken }) }), 3);
    const write = async (...updates: v1.RelationshipUpdate[]) => {
      const w = await raw.promises.writeRelationships(v1.WriteRelationshipsRequest.create({ updates }));
      tokens.push(w.writtenAt?.token ?? '');
    };
    await write(update('touch', rel('doc:1#viewer@user:a')));
    await write(update('touch', rel('folder:1#viewer@user:b')), update('touch', rel('doc:2#viewer@user:c')));
    await write(update('delete', rel('doc:1#viewer@user:a')));
    const got = await watching;
    expect(got.map((r) => r.updates.map(text).sort())).toEqual([
      ['+doc:1#viewer@user:a'],
      ['+doc:2#viewer@user:c', '+folder:1#viewer@user:b'],
      ['-doc:1#viewer@user:a'],
    ]);
    expect(got.map((r) => r.changesThrough?.token)).toEqual(tokens);
  });

  it('resumes after a token, skipping what came before', async () => {
    const got = await take(v1.WatchRequest.create({ optionalStartCursor: v1.ZedToken.create({ token: tokens[0] ?? '' }) }), 2);
    expect(got.map((r) => r.updates.map(text).sort())).toEqual([
      ['+doc:2#viewer@user:c', '+folder:1#viewer@user:b'],
      ['-doc:1#viewer@user:a'],
    ]);
  });

  it('filters by object type', async () => {
    const got = await take(
      v1.WatchRequest.create({ optionalStartCursor: v1.ZedToken.create({ token: schemaToken }), optionalObjectTypes: ['folder'] }),
      1,
    );
    expect(got.map((r) => r.updates.map(text))).toEqual([['+folder:1#viewer@user:b']]);
  });
});
