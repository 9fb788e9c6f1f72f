/**
 * What a user would write by hand: one relationships table and a WITH RECURSIVE query that
 * expands the user's groups and the document's folder chain, then looks for a granting row.
 * The same SQL (modulo placeholders) runs on SQLite and on Postgres. The CROSS JOIN is the one
 * tuning a careful author adds after EXPLAIN: it makes SQLite walk the few ancestors and probe
 * the primary key, where its planner otherwise scans the whole subject index.
 */
import { DOCS_GRANTS } from '../datasets/docs.js';

export const TABLE_DDL = `CREATE TABLE rel (
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_relation TEXT NOT NULL,
  PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation)
)`;

export const REVERSE_INDEX_DDL = 'CREATE INDEX rel_by_subject ON rel (subject_type, subject_id, subject_relation, resource_type, relation)';

/** The check query for one docs permission; `$user`, `$rtype`, `$rid` are placeholders. */
export function recursiveCheckSql(permission: 'view' | 'edit', placeholder: (name: 'user' | 'rtype' | 'rid') => string): string {
  const relations = DOCS_GRANTS[permission].map((r) => `'${r}'`).join(', ');
  return `WITH RECURSIVE
  principals(type, id, rel) AS (
    SELECT 'user', ${placeholder('user')}, '...'
    UNION
    SELECT r.resource_type, r.resource_id, 'member'
      FROM rel r JOIN principals p
        ON r.subject_type = p.type AND r.subject_id = p.id AND r.subject_relation = p.rel
     WHERE r.resource_type = 'group' AND r.relation = 'member'
  ),
  ancestors(type, id) AS (
    SELECT ${placeholder('rtype')}, ${placeholder('rid')}
    UNION
    SELECT r.subject_type, r.subject_id
      FROM rel r JOIN ancestors a ON r.resource_type = a.type AND r.resource_id = a.id
     WHERE r.relation = 'parent'
  )
SELECT EXISTS (
  SELECT 1 FROM ancestors a CROSS JOIN rel r
   WHERE r.resource_type = a.type AND r.resource_id = a.id AND r.relation IN (${relations})
     AND EXISTS (SELECT 1 FROM principals p WHERE p.type = r.subject_type AND p.id = r.subject_id AND p.rel = r.subject_relation)
) AS allowed`;
}

/** A relationship as a row of the hand-written table ('...' for no subject relation). */
export function rowOf(r: {
  resource: { type: string; id: string };
  relation: string;
  subject: { type: string; id: string; relation?: string };
}): string[] {
  return [r.resource.type, r.resource.id, r.relation, r.subject.type, r.subject.id, r.subject.relation ?? '...'];
}
