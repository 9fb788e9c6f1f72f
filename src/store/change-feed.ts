/**
 * Assembles change sets from row versions: a version created at R is a TOUCH at R; a
 * version ended at R is a DELETE at R unless the same key got a new version at R (that is
 * one TOUCH). Both adapters load the versions of a revision range and call this.
 */
import { relationshipKey, type JsonObject, type Relationship } from '../core/index.js';
import type { ChangeSet, RelationshipChange } from './store.js';

export interface TransactionRecord {
  readonly revision: number;
  readonly metadata: JsonObject | null;
  readonly schemaChanged: boolean;
}

export interface VersionEvent {
  readonly revision: number;
  readonly relationship: Relationship;
}

/**
 * Whether every change after `after` is still on record. GC at horizon H removes the
 * transactions before H and every version ended at or before H, so the changes of
 * revision H itself are incomplete: a feed must start at or after the oldest retained
 * revision. Before any GC (oldest = 1) the whole history is there.
 */
export function changesRetained(after: number, oldestRetained: number): boolean {
  return oldestRetained <= 1 || after >= oldestRetained;
}

export function assembleChangeSets(
  transactions: readonly TransactionRecord[],
  created: readonly VersionEvent[],
  deleted: readonly VersionEvent[],
): ChangeSet[] {
  const byRevision = new Map<number, { touches: Map<string, Relationship>; deletes: Map<string, Relationship> }>();
  const bucket = (rev: number) => {
    let b = byRevision.get(rev);
    if (!b) {
      b = { touches: new Map(), deletes: new Map() };
      byRevision.set(rev, b);
    }
    return b;
  };
  for (const c of created) bucket(c.revision).touches.set(relationshipKey(c.relationship), c.relationship);
  for (const d of deleted) {
    const b = bucket(d.revision);
    const key = relationshipKey(d.relationship);
    if (!b.touches.has(key)) b.deletes.set(key, d.relationship);
  }
  return transactions.map((t) => {
    const b = byRevision.get(t.revision);
    const changes: RelationshipChange[] = [];
    if (b) {
      const entries: [string, RelationshipChange][] = [
        ...[...b.touches].map(([k, r]): [string, RelationshipChange] => [k, { operation: 'touch', relationship: r }]),
        ...[...b.deletes].map(([k, r]): [string, RelationshipChange] => [k, { operation: 'delete', relationship: r }]),
      ];
      entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (const [, c] of entries) changes.push(c);
    }
    return {
      revision: t.revision,
      changes,
      schemaChanged: t.schemaChanged,
      ...(t.metadata ? { metadata: t.metadata } : {}),
    };
  });
}
