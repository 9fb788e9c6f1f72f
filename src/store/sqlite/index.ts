/** The SQLite adapter of the Store (better-sqlite3): files in WAL mode, or ':memory:'. */
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
