/**
 * Translation of `pg` errors at the adapter boundary: no driver error leaves the store.
 * Serialization failures and deadlocks are retryable conflicts; everything else, from a
 * refused connection to an unexpected SQLSTATE, means the datastore is not usable.
 */
import { DatastoreUnavailableError, SerializationError, isTrellisError } from '../../core/index.js';

/** The SQLSTATE of a server error; socket errors carry Node codes like ECONNREFUSED instead. */
function sqlState(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const code = (e as { code: string }).code;
    return /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  }
  return undefined;
}

/** 40001 serialization_failure, 40P01 deadlock_detected: safe to retry the whole transaction. */
export function isRetryableConflict(e: unknown): boolean {
  const code = sqlState(e);
  return code === '40001' || code === '40P01';
}

export function translatePgError(e: unknown): unknown {
  if (isTrellisError(e)) return e;
  if (!(e instanceof Error)) return new DatastoreUnavailableError(String(e));
  if (isRetryableConflict(e)) return new SerializationError(e.message, { cause: e });
  const code = sqlState(e);
  return new DatastoreUnavailableError(code ? `PostgreSQL error ${code}: ${e.message}` : `PostgreSQL connection failed: ${e.message}`, {
    cause: e,
  });
}
