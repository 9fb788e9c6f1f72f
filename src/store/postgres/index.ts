/** The PostgreSQL adapter of the Store (`pg`): versioned migrations, advisory-lock-serialised writers, many processes per database. */
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
