/**
 * The hand-written recursive query on Postgres, in a schema of its own (random name, dropped on
 * close) so runs never collide with each other or with Trellis's tables.
 */
import pg from 'pg';
import type { Relationship } from '../../src/core/index.js';
import type { CheckQuestion } from '../datasets/dataset.js';
import { docsPermission, type CheckSystem } from './check-system.js';
import { recursiveCheckSql, REVERSE_INDEX_DDL, rowOf, TABLE_DDL } from './recursive-sql.js';

const CHUNK = 5000;

export async function openPostgresRecursive(url: string, relationships: readonly Relationship[]): Promise<CheckSystem> {
  const schema = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(TABLE_DDL);
    await client.query(REVERSE_INDEX_DDL);
    for (let i = 0; i < relationships.length; i += CHUNK) {
      const columns: string[][] = [[], [], [], [], [], []];
      for (const r of relationships.slice(i, i + CHUNK)) rowOf(r).forEach((v, c) => columns[c]?.push(v));
      await client.query(
        'INSERT INTO rel SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])',
        columns,
      );
    }
    await client.query('ANALYZE rel');
  } catch (e) {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
    throw e;
  }
  const index = { user: '$1::text', rtype: '$2::text', rid: '$3::text' } as const;
  const text = { view: recursiveCheckSql('view', (n) => index[n]), edit: recursiveCheckSql('edit', (n) => index[n]) };
  return {
    name: 'recursive SQL (postgres)',
    async check(q: CheckQuestion): Promise<boolean> {
      const permission = docsPermission(q.permission);
      // A named statement is prepared once per connection, as a careful hand-written client would.
      const res = await client.query<{ allowed: boolean }>({
        name: `check_${permission}`,
        text: text[permission],
        values: [q.subject.id, q.resource.type, q.resource.id],
      });
      return res.rows[0]?.allowed === true;
    },
    async close(): Promise<void> {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await client.end();
    },
  };
}
