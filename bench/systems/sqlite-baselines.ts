/**
 * The SQLite baselines on a bench-owned file: the floor of one store read (a bare prepared
 * point query) and the hand-written recursive query, on the same relationships Trellis holds.
 */
import Database from 'better-sqlite3';
import type { Relationship } from '../../src/core/index.js';
import type { CheckQuestion } from '../datasets/dataset.js';
import { docsPermission, type CheckSystem } from './check-system.js';
import { recursiveCheckSql, REVERSE_INDEX_DDL, rowOf, TABLE_DDL } from './recursive-sql.js';

export interface SqliteBaselines {
  readonly recursive: CheckSystem;
  /** One indexed point lookup of a direct relationship: returns whether the row exists. */
  pointQuery(q: CheckQuestion, relation: string): boolean;
  close(): Promise<void>;
}

export function openSqliteBaselines(path: string, relationships: readonly Relationship[]): SqliteBaselines {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('DROP TABLE IF EXISTS rel');
  db.exec(`${TABLE_DDL} WITHOUT ROWID`);
  db.exec(REVERSE_INDEX_DDL);
  const insert = db.prepare('INSERT INTO rel VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of relationships) insert.run(...rowOf(r));
  })();
  db.exec('ANALYZE');
  const point = db
    .prepare(
      'SELECT 1 FROM rel WHERE resource_type = ? AND resource_id = ? AND relation = ? AND subject_type = ? AND subject_id = ? AND subject_relation = ?',
    )
    .pluck();
  const named = (n: string): string => `@${n}`;
  const byPermission = {
    view: db.prepare(recursiveCheckSql('view', named)).pluck(),
    edit: db.prepare(recursiveCheckSql('edit', named)).pluck(),
  };
  const recursive: CheckSystem = {
    name: 'recursive SQL (sqlite)',
    check(q: CheckQuestion): boolean {
      return byPermission[docsPermission(q.permission)].get({ user: q.subject.id, rtype: q.resource.type, rid: q.resource.id }) === 1;
    },
    async close(): Promise<void> {},
  };
  return {
    recursive,
    pointQuery(q: CheckQuestion, relation: string): boolean {
      return point.get(q.resource.type, q.resource.id, relation, q.subject.type, q.subject.id, q.subject.relation ?? '...') === 1;
    },
    async close(): Promise<void> {
      db.close();
    },
  };
}
