/**
 * A precondition in the text form SpiceDB puts into "unable to satisfy write precondition"
 * messages (protobuf text of the Precondition message).
 */
import type { Precondition } from '../core/index.js';

function quote(s: string): string {
  return JSON.stringify(s);
}

export function describePrecondition(p: Precondition): string {
  const f = p.filter;
  const parts: string[] = [];
  if (f.resourceType) parts.push(`resource_type:${quote(f.resourceType)}`);
  for (const id of f.resourceIds ?? []) parts.push(`optional_resource_id:${quote(id)}`);
  if (f.resourceIdPrefix) parts.push(`optional_resource_id_prefix:${quote(f.resourceIdPrefix)}`);
  if (f.relation) parts.push(`optional_relation:${quote(f.relation)}`);
  if (f.subject) {
    const s: string[] = [`subject_type:${quote(f.subject.type)}`];
    for (const id of f.subject.ids ?? []) s.push(`optional_subject_id:${quote(id)}`);
    if (f.subject.relation !== undefined) {
      s.push(
        `optional_relation:{${f.subject.relation === '...' || f.subject.relation === '' ? '' : `relation:${quote(f.subject.relation)}`}}`,
      );
    }
    parts.push(`optional_subject_filter:{${s.join(' ')}}`);
  }
  const op = p.operation === 'must_match' ? 'OPERATION_MUST_MATCH' : 'OPERATION_MUST_NOT_MATCH';
  return `operation:${op} filter:{${parts.join(' ')}}`;
}
