/**
 * The compiled schema in SchemaService's structured form (ReflectSchema), with SpiceDB's
 * prefix filters. The Exp* messages of ExperimentalService have the same field names, so the
 * same plain objects serve both.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ELLIPSIS } from '../../core/index.js';
import { formatCaveatType } from '../../caveats/index.js';
import type { AllowedType, CaveatDefinition, Definition, Schema } from '../../schema/index.js';
import type {
  ReflectionCaveatSchema,
  ReflectionCaveatParameterSchema,
  ReflectionDefinitionSchema,
  ReflectionPermissionSchema,
  ReflectionRelationSchema,
  ReflectionTypeReferenceSchema,
} from '../../gen/authzed/api/v1/schema_service_pb.js';

export type ReflectionDefinitionInit = MessageInitShape<typeof ReflectionDefinitionSchema>;
export type ReflectionCaveatInit = MessageInitShape<typeof ReflectionCaveatSchema>;
export type ReflectionRelationInit = MessageInitShape<typeof ReflectionRelationSchema>;
export type ReflectionPermissionInit = MessageInitShape<typeof ReflectionPermissionSchema>;
export type ReflectionTypeReferenceInit = MessageInitShape<typeof ReflectionTypeReferenceSchema>;
export type ReflectionCaveatParameterInit = MessageInitShape<typeof ReflectionCaveatParameterSchema>;

export interface ReflectionFilter {
  readonly definition?: string;
  readonly caveat?: string;
  readonly relation?: string;
  readonly permission?: string;
}

export function typeReferenceToProto(t: AllowedType): ReflectionTypeReferenceInit {
  const typeref: ReflectionTypeReferenceInit['typeref'] = t.wildcard
    ? { case: 'isPublicWildcard', value: true }
    : t.relation === undefined || t.relation === ELLIPSIS
      ? { case: 'isTerminalSubject', value: true }
      : { case: 'optionalRelationName', value: t.relation };
  return { subjectDefinitionName: t.type, optionalCaveatName: t.caveat ?? '', typeref };
}

export function caveatParameterToProto(
  caveat: string,
  name: string,
  type: Parameters<typeof formatCaveatType>[0],
): ReflectionCaveatParameterInit {
  return { name, type: formatCaveatType(type), parentCaveatName: caveat };
}

export function caveatToProto(c: CaveatDefinition): ReflectionCaveatInit {
  return {
    name: c.name,
    comment: c.comment ?? '',
    parameters: [...c.parameters].map(([n, t]) => caveatParameterToProto(c.name, n, t)),
    expression: c.expression,
  };
}

function matches(prefix: string | undefined, name: string): boolean {
  return prefix === undefined || prefix === '' || name.startsWith(prefix);
}

export function definitionToProto(d: Definition, filters: readonly ReflectionFilter[] = []): ReflectionDefinitionInit {
  const relations: ReflectionRelationInit[] = [];
  const permissions: ReflectionPermissionInit[] = [];
  const applicable = filters.filter((f) => matches(f.definition, d.name));
  const want = (kind: 'relation' | 'permission', name: string): boolean => {
    const relevant = applicable.filter((f) => f.relation || f.permission);
    if (relevant.length === 0) return true;
    return relevant.some((f) =>
      kind === 'relation'
        ? f.relation !== undefined && f.relation !== '' && name.startsWith(f.relation)
        : f.permission !== undefined && f.permission !== '' && name.startsWith(f.permission),
    );
  };
  for (const m of d.members.values()) {
    if (m.kind === 'relation') {
      if (want('relation', m.name)) {
        relations.push({
          name: m.name,
          comment: m.comment ?? '',
          parentDefinitionName: d.name,
          subjectTypes: m.allowedTypes.map(typeReferenceToProto),
        });
      }
    } else if (want('permission', m.name)) {
      permissions.push({ name: m.name, comment: m.comment ?? '', parentDefinitionName: d.name });
    }
  }
  return { name: d.name, comment: d.comment ?? '', relations, permissions };
}

/** ReflectSchema: definitions and caveats sorted by name, narrowed by the request's filters. */
export function reflectSchema(
  schema: Schema,
  filters: readonly ReflectionFilter[],
): { definitions: ReflectionDefinitionInit[]; caveats: ReflectionCaveatInit[] } {
  const defFilters = filters.filter((f) => f.definition);
  const cavFilters = filters.filter((f) => f.caveat);
  const includeDef = (name: string): boolean =>
    filters.length === 0 || (defFilters.length > 0 && defFilters.some((f) => matches(f.definition, name)));
  const includeCaveat = (name: string): boolean =>
    filters.length === 0 || (cavFilters.length > 0 && cavFilters.some((f) => matches(f.caveat, name)));
  const definitions = [...schema.definitions.values()]
    .filter((d) => includeDef(d.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => definitionToProto(d, defFilters));
  const caveats = [...schema.caveats.values()]
    .filter((c) => includeCaveat(c.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(caveatToProto);
  return { definitions, caveats };
}
