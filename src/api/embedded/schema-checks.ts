/**
 * Validation of relationships, filters and preconditions against the schema, with
 * SpiceDB's order of checks and messages (`internal/relationships/validation.go`,
 * `internal/services/v1/relationships.go`; reference §1.3, §1.6, §5.7).
 */
import {
  CannotUpdatePermissionError,
  CaveatEvaluationError,
  CaveatNotFoundError,
  CaveatParameterTypeError,
  DefinitionNotFoundError,
  ELLIPSIS,
  EmptyPreconditionError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidSubjectTypeError,
  RelationNotFoundError,
  WILDCARD_ID,
  isEmptyFilter,
  isValidObjectId,
  isValidTypeName,
} from '../../core/index.js';
import type { Precondition, Relationship, RelationshipFilter, UpdateOperation } from '../../core/index.js';
import type { AllowedType, Definition, Schema } from '../../schema/index.js';

/** A schema with nothing in it: writes before the first WriteSchema fail on the unknown type. */
export const EMPTY_SCHEMA: Schema = { definitions: new Map(), caveats: new Map(), flags: new Set() };

function definitionOf(schema: Schema, type: string): Definition {
  const def = schema.definitions.get(type);
  if (!def) throw new DefinitionNotFoundError(type);
  return def;
}

function normRelation(r: string | undefined): string {
  return r === undefined || r === '' ? ELLIPSIS : r;
}

/** SpiceDB's SourceForAllowedRelation: `user`, `group#member`, `user:*`, `user with c and expiration`. */
function describeSubjectType(rel: Relationship): string {
  const s = rel.subject;
  let base = s.id === WILDCARD_ID ? `${s.type}:*` : normRelation(s.relation) === ELLIPSIS ? s.type : `${s.type}#${s.relation ?? ''}`;
  const caveat = rel.caveat?.name;
  if (caveat && rel.expiresAt) base += ` with ${caveat} and expiration`;
  else if (caveat) base += ` with ${caveat}`;
  else if (rel.expiresAt) base += ' with expiration';
  return base;
}

function matchesSubject(a: AllowedType, rel: Relationship): boolean {
  if (a.type !== rel.subject.type) return false;
  if (rel.subject.id === WILDCARD_ID) return a.wildcard;
  return !a.wildcard && normRelation(a.relation) === normRelation(rel.subject.relation);
}

function checkIds(rel: Relationship): void {
  if (!isValidTypeName(rel.resource.type))
    throw new InvalidArgumentError(`invalid resource type \`${rel.resource.type}\``, 'resource.object_type');
  if (!isValidTypeName(rel.subject.type))
    throw new InvalidArgumentError(`invalid subject type \`${rel.subject.type}\``, 'subject.object.object_type');
  if (rel.resource.id === WILDCARD_ID)
    throw new InvalidArgumentError('invalid resource id: a relationship resource id cannot be `*`', 'resource.object_id');
  if (!isValidObjectId(rel.resource.id)) throw new InvalidArgumentError(`invalid resource id \`${rel.resource.id}\``, 'resource.object_id');
  if (!isValidObjectId(rel.subject.id))
    throw new InvalidArgumentError(`invalid subject id \`${rel.subject.id}\``, 'subject.object.object_id');
  if (rel.subject.id === WILDCARD_ID && normRelation(rel.subject.relation) !== ELLIPSIS) {
    throw new InvalidArgumentError('a wildcard subject cannot have a relation', 'subject.optional_relation');
  }
}

/**
 * Validates one relationship of a write. CREATE and TOUCH need an exact allowed-type match
 * (caveat and expiration included); DELETE without a caveat only needs the subject type and
 * relation (or wildcard) to be allowed.
 */
export function validateRelationshipUpdate(schema: Schema, rel: Relationship, operation: UpdateOperation): void {
  checkIds(rel);
  const resourceDef = definitionOf(schema, rel.resource.type);
  const member = resourceDef.members.get(rel.relation);
  if (!member) throw new RelationNotFoundError(rel.resource.type, rel.relation);
  const subjectDef = definitionOf(schema, rel.subject.type);
  const subjectRelation = normRelation(rel.subject.relation);
  if (subjectRelation !== ELLIPSIS && !subjectDef.members.has(subjectRelation)) {
    throw new RelationNotFoundError(rel.subject.type, subjectRelation);
  }
  if (member.kind === 'permission') throw new CannotUpdatePermissionError(rel.resource.type, rel.relation);

  const caveatName = rel.caveat?.name;
  const exact = operation !== 'delete' || caveatName !== undefined;
  const allowed = member.allowedTypes.some(
    (a) => matchesSubject(a, rel) && (!exact || (a.caveat === caveatName && a.expiration === (rel.expiresAt !== undefined))),
  );
  if (!allowed) {
    const described = describeSubjectType(rel);
    throw new InvalidSubjectTypeError(
      `subjects of type \`${described}\` are not allowed on relation \`${rel.resource.type}#${rel.relation}\``,
      rel.resource.type,
      rel.relation,
      described,
    );
  }

  const context = rel.caveat?.context;
  if (caveatName !== undefined && context !== undefined && Object.keys(context).length > 0) {
    const caveat = schema.caveats.get(caveatName);
    if (!caveat) throw new CaveatNotFoundError(caveatName);
    for (const key of Object.keys(context)) {
      if (!caveat.parameters.has(key)) {
        throw new CaveatParameterTypeError(caveatName, key, `unknown parameter \`${key}\``);
      }
    }
    // The caveat's own conversion is the single source of truth for parameter types: it
    // throws CaveatParameterTypeError for a value that does not fit. Anything else it
    // reports (missing parameters, evaluation failures) is a matter for check time.
    try {
      caveat.compiled.evaluate(context);
    } catch (e) {
      if (!(e instanceof CaveatEvaluationError)) throw e;
    }
  }
}

/** Service-level filter rules (reference §1.3), then the types and relations it names must exist. */
export function validateFilter(schema: Schema, filter: RelationshipFilter): void {
  if (isEmptyFilter(filter)) throw new InvalidFilterError('at least one field must be set');
  checkFilterShape(filter);
  checkFilterAgainstSchema(schema, filter);
}

function checkFilterShape(filter: RelationshipFilter): void {
  if (filter.resourceIds !== undefined && filter.resourceIdPrefix) {
    throw new InvalidFilterError('resource id and resource id prefix cannot both be specified');
  }
  if (filter.resourceType && !isValidTypeName(filter.resourceType)) {
    throw new InvalidArgumentError(`invalid resource type \`${filter.resourceType}\``, 'relationship_filter.resource_type');
  }
  for (const id of filter.resourceIds ?? []) {
    if (id === WILDCARD_ID)
      throw new InvalidArgumentError('a filter resource id cannot be `*`', 'relationship_filter.optional_resource_id');
  }
  const s = filter.subject;
  if (s) {
    if (!isValidTypeName(s.type))
      throw new InvalidArgumentError(`invalid subject type \`${s.type}\``, 'relationship_filter.optional_subject_filter.subject_type');
    if ((s.ids ?? []).includes(WILDCARD_ID) && s.relation !== undefined && s.relation !== ELLIPSIS) {
      throw new InvalidArgumentError('a wildcard subject filter cannot have a relation', 'relationship_filter.optional_subject_filter');
    }
  }
}

function checkFilterAgainstSchema(schema: Schema, filter: RelationshipFilter): void {
  if (filter.resourceType) {
    const def = definitionOf(schema, filter.resourceType);
    if (filter.relation && !def.members.has(filter.relation)) throw new RelationNotFoundError(filter.resourceType, filter.relation);
  }
  const s = filter.subject;
  if (s) {
    const def = definitionOf(schema, s.type);
    if (s.relation !== undefined && s.relation !== ELLIPSIS && s.relation !== '' && !def.members.has(s.relation)) {
      throw new RelationNotFoundError(s.type, s.relation);
    }
  }
}

export function validatePreconditions(schema: Schema, preconditions: readonly Precondition[]): void {
  for (const p of preconditions) {
    if (isEmptyFilter(p.filter)) throw new EmptyPreconditionError();
    checkFilterShape(p.filter);
    checkFilterAgainstSchema(schema, p.filter);
  }
}
