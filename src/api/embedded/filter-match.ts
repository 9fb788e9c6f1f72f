/** Client-side evaluation of a RelationshipFilter on one relationship (Watch filtering). */
import { ELLIPSIS } from '../../core/index.js';
import type { Relationship, RelationshipFilter } from '../../core/index.js';

export function matchesFilter(rel: Relationship, f: RelationshipFilter): boolean {
  if (f.resourceType && rel.resource.type !== f.resourceType) return false;
  if (f.resourceIds !== undefined && !f.resourceIds.includes(rel.resource.id)) return false;
  if (f.resourceIdPrefix && !rel.resource.id.startsWith(f.resourceIdPrefix)) return false;
  if (f.relation && rel.relation !== f.relation) return false;
  const s = f.subject;
  if (s) {
    if (rel.subject.type !== s.type) return false;
    if (s.ids !== undefined && !s.ids.includes(rel.subject.id)) return false;
    if (s.relation !== undefined) {
      const want = s.relation === '' ? ELLIPSIS : s.relation;
      if ((rel.subject.relation ?? ELLIPSIS) !== want) return false;
    }
  }
  if (f.caveatName !== undefined && (rel.caveat?.name ?? null) !== f.caveatName) return false;
  if (f.hasExpiration !== undefined && (rel.expiresAt !== undefined) !== f.hasExpiration) return false;
  return true;
}
