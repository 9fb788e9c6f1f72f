import { expect, test } from 'vitest';
import { DatastoreUnavailableError, SerializationError, TooManyRelationshipsForDeleteError } from '../../core/index.js';
import { isRetryableConflict, translatePgError } from './pg-errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

test('serialization failures and deadlocks become retryable SerializationErrors', () => {
  for (const code of ['40001', '40P01']) {
    const cause = pgError(code, 'could not serialize access');
    const e = translatePgError(cause);
    expect(e).toBeInstanceOf(SerializationError);
    expect((e as SerializationError).message).toBe('serialization failure: could not serialize access');
    expect((e as SerializationError).retryable).toBe(true);
    expect(isRetryableConflict((e as SerializationError).cause)).toBe(true);
  }
});

test('connection failures and other SQLSTATEs become DatastoreUnavailableError', () => {
  expect((translatePgError(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')) as Error).message).toBe(
    'datastore unavailable: PostgreSQL connection failed: connect ECONNREFUSED 127.0.0.1:1',
  );
  expect((translatePgError(new Error('Connection terminated unexpectedly')) as Error).message).toBe(
    'datastore unavailable: PostgreSQL connection failed: Connection terminated unexpectedly',
  );
  const e = translatePgError(pgError('57P01', 'terminating connection due to administrator command'));
  expect(e).toBeInstanceOf(DatastoreUnavailableError);
  expect((e as Error).message).toBe('datastore unavailable: PostgreSQL error 57P01: terminating connection due to administrator command');
  expect(isRetryableConflict(pgError('57P01', 'x'))).toBe(false);
});

test('Trellis errors pass through untouched', () => {
  const own = new TooManyRelationshipsForDeleteError(3);
  expect(translatePgError(own)).toBe(own);
});
