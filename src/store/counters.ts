/**
 * Relationship counters (SpiceDB's experimental counters): a name and a filter, stored in a
 * `counters` table versioned like relationships (created_rev / deleted_rev), so a counter is
 * registered or unregistered by a write transaction and read at a revision. Both adapters
 * use this SQL; only their placeholders differ.
 */
import type { RelationshipFilter } from '../core/index.js';

/** `$n` placeholders for Postgres, `?` for SQLite. */
export type Placeholder = (n: number) => string;

export const counterSql = (ph: Placeholder) => ({
  /** (name, revision, revision) → the live row's filter. */
  select: `SELECT filter FROM counters WHERE name = ${ph(1)} AND created_rev <= ${ph(2)} AND (deleted_rev IS NULL OR deleted_rev > ${ph(3)})`,
  /** (name) → the row live in the writing transaction. */
  live: `SELECT filter FROM counters WHERE name = ${ph(1)} AND deleted_rev IS NULL`,
  /** (name, filter, revision). */
  insert: `INSERT INTO counters (name, filter, created_rev) VALUES (${ph(1)}, ${ph(2)}, ${ph(3)})`,
  /** (revision, name). */
  end: `UPDATE counters SET deleted_rev = ${ph(1)} WHERE name = ${ph(2)} AND deleted_rev IS NULL`,
  /** (horizon): unregistered counters no retained revision can see. */
  collect: `DELETE FROM counters WHERE deleted_rev IS NOT NULL AND deleted_rev <= ${ph(1)}`,
});

export function encodeCounterFilter(filter: RelationshipFilter): string {
  return JSON.stringify(filter);
}

export function decodeCounterFilter(text: string): RelationshipFilter {
  return JSON.parse(text) as RelationshipFilter;
}
