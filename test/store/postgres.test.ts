import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres } from './postgres-env.js';
import { runStoreConformance } from './store.case.js';

describePostgres('postgres store', (db) => {
  // Each store gets its own schema in the run's throwaway database, so every test starts empty.
  runStoreConformance('postgres', (options) => PostgresStore.open({ ...options, url: db.url(), schema: db.schema(), maxConnections: 4 }));
});
