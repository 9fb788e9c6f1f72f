/**
 * The composition root of the store layer: turns a datastore string into a Store. It is
 * the one module that imports the adapters, so nothing else depends on a driver.
 *
 *   'memory' (or ':memory:')      a private in-memory SQLite database
 *   postgres://... postgresql://  PostgreSQL
 *   anything else                 a SQLite file path (parent directories are created)
 */
import { InvalidArgumentError } from '../core/index.js';
import { PostgresStore } from './postgres/index.js';
import { SqliteStore } from './sqlite/index.js';
import type { Store, StoreOptions } from './store.js';

export async function openStore(datastore: string, options: StoreOptions = {}): Promise<Store> {
  if (!datastore) throw new InvalidArgumentError('a datastore is required: "memory", a SQLite file path or a postgres:// URL', 'datastore');
  if (datastore === 'memory' || datastore === ':memory:') return SqliteStore.open({ ...options, path: ':memory:' });
  if (/^postgres(ql)?:\/\//.test(datastore)) return PostgresStore.open({ ...options, url: datastore });
  return SqliteStore.open({ ...options, path: datastore });
}
