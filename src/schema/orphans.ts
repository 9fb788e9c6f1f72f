/**
 * What a schema change would orphan (reference §5.8). The schema layer cannot see the store, so
 * each check is a filter plus the message to raise: the caller queries the store with `filter`
 * (limit 1) and, when a relationship is found, throws
 * `SchemaWouldOrphanError(describe(found), operation, details)`.
 */
import {
  ELLIPSIS,
  WILDCARD_ID,
  formatRelationship,
  type OrphanOperation,
  type Relationship,
  type RelationshipFilter,
} from '../core/index.js';
import { formatCaveatType } from '../caveats/index.js';
import { sameAllowedType, sourceForAllowedType } from './allowed-type.js';
import type { AllowedType, Schema } from './model.js';

interface OrphanCheckBase {
  readonly operation: OrphanOperation;
  /** Finds the relationships the change would break. */
  readonly filter: RelationshipFilter;
  readonly details: Readonly<Record<string, string>>;
}

/**
 * Either refused only when `filter` finds a relationship (`describe` names it), or refused
 * whatever the data: SpiceDB rejects removing or retyping a caveat parameter outright.
 */
export type OrphanCheck =
  | (OrphanCheckBase & { readonly unconditional?: false; describe(found: Relationship): string })
  | (OrphanCheckBase & { readonly unconditional: true; readonly message: string });

export function orphanChecks(old: Schema | undefined, next: Schema): OrphanCheck[] {
  if (!old) return [];
  const checks: OrphanCheck[] = [];

  // Caveat parameters first, as SpiceDB validates caveats before definitions.
  for (const [name, oldCaveat] of old.caveats) {
    const newCaveat = next.caveats.get(name);
    if (!newCaveat) continue;
    for (const [param, oldType] of oldCaveat.parameters) {
      const newType = newCaveat.parameters.get(param);
      if (newType && formatCaveatType(newType) === formatCaveatType(oldType)) continue;
      const removed = newType === undefined;
      const operation: OrphanOperation = removed ? 'remove_parameter' : 'change_parameter_type';
      const message = removed
        ? `cannot remove parameter \`${param}\` on caveat \`${name}\``
        : `cannot change the type of parameter \`${param}\` on caveat \`${name}\``;
      checks.push({
        operation,
        filter: { caveatName: name },
        message,
        details: { caveat_name: name, parameter_name: param, operation },
        unconditional: true,
      });
    }
  }

  for (const [defName, newDef] of next.definitions) {
    const oldDef = old.definitions.get(defName);
    if (!oldDef) continue;
    for (const oldMember of oldDef.members.values()) {
      if (oldMember.kind !== 'relation') continue;
      const newMember = newDef.members.get(oldMember.name);
      if (!newMember || newMember.kind !== 'relation') {
        checks.push(...removedRelation(defName, oldMember.name));
        continue;
      }
      for (const t of oldMember.allowedTypes) {
        if (newMember.allowedTypes.some((n) => sameAllowedType(n, t))) continue;
        checks.push(removedAllowedType(defName, oldMember.name, t));
      }
    }
  }

  for (const name of old.definitions.keys()) {
    if (next.definitions.has(name)) continue;
    const base = { resource_type: name, operation: 'delete_object_definition' };
    checks.push({
      operation: 'delete_object_definition',
      filter: { resourceType: name },
      describe: (r) =>
        `cannot delete object definition \`${name}\`, as at least one relationship exists under it: ${formatRelationship(r)}`,
      details: base,
    });
    checks.push({
      operation: 'delete_object_definition',
      filter: { subject: { type: name } },
      describe: (r) => `cannot delete object definition \`${name}\`, as at least one relationship references it: ${formatRelationship(r)}`,
      details: base,
    });
  }

  for (const name of old.caveats.keys()) {
    if (next.caveats.has(name)) continue;
    checks.push({
      operation: 'delete_caveat',
      filter: { caveatName: name },
      describe: (r) => `cannot delete caveat \`${name}\`, as at least one relationship references it: ${formatRelationship(r)}`,
      details: { caveat_name: name, operation: 'delete_caveat' },
    });
  }
  return checks;
}

function removedRelation(definition: string, relation: string): OrphanCheck[] {
  return [
    {
      operation: 'delete_relation',
      filter: { resourceType: definition, relation },
      describe: (r) =>
        `cannot delete relation \`${relation}\` in object definition \`${definition}\`, as at least one relationship exists under it: ${formatRelationship(r)}`,
      details: { resource_type: definition, relation, operation: 'delete_relation' },
    },
    {
      operation: 'delete_relation_reverse_check',
      filter: { subject: { type: definition, relation } },
      describe: (r) =>
        `cannot delete relation \`${relation}\` in object definition \`${definition}\`, as at least one relationship references it as part of a subject: ${formatRelationship(r)}`,
      details: { resource_type: definition, relation, operation: 'delete_relation_reverse_check' },
    },
  ];
}

function removedAllowedType(definition: string, relation: string, t: AllowedType): OrphanCheck {
  const source = sourceForAllowedType(t);
  const subjectRelation = t.wildcard || t.relation === undefined ? ELLIPSIS : t.relation;
  return {
    operation: 'remove_allowed_type',
    filter: {
      resourceType: definition,
      relation,
      subject: { type: t.type, ...(t.wildcard ? { ids: [WILDCARD_ID] } : {}), relation: subjectRelation },
      caveatName: t.caveat ?? null,
      hasExpiration: t.expiration,
    },
    describe: (r) =>
      `cannot remove allowed type \`${source}\` from relation \`${relation}\` in object definition \`${definition}\`, as a relationship exists with it: ${formatRelationship(r)}`,
    details: { resource_type: definition, relation, allowed_type: source, operation: 'remove_allowed_type' },
  };
}
