/**
 * Reflection over a compiled schema for the SchemaService RPCs ComputablePermissions and
 * DependentRelations, with SpiceDB's semantics (reachability in each direction, the starting
 * relation excluded, results sorted by definition then relation).
 */
import { DefinitionNotFoundError, InvalidArgumentError, RelationNotFoundError } from '../core/index.js';
import { ELLIPSIS_RELATION } from './allowed-type.js';
import type { PermissionExpr, Schema } from './model.js';

export interface RelationReference {
  readonly definition: string;
  readonly relation: string;
  readonly isPermission: boolean;
}

function key(definition: string, relation: string): string {
  return `${definition}#${relation}`;
}

function finish(schema: Schema, found: Map<string, { definition: string; relation: string }>, exclude: string): RelationReference[] {
  return [...found.entries()]
    .filter(([k]) => k !== exclude)
    .map(([, r]) => ({
      definition: r.definition,
      relation: r.relation,
      isPermission: schema.definitions.get(r.definition)?.members.get(r.relation)?.kind === 'permission',
    }))
    .sort((a, b) =>
      a.definition === b.definition
        ? a.relation < b.relation
          ? -1
          : a.relation > b.relation
            ? 1
            : 0
        : a.definition < b.definition
          ? -1
          : 1,
    );
}

function referencesComputed(e: PermissionExpr, name: string): boolean {
  switch (e.kind) {
    case 'union':
    case 'intersection':
      return e.children.some((c) => referencesComputed(c, name));
    case 'exclusion':
      return referencesComputed(e.base, name) || referencesComputed(e.subtract, name);
    case 'computed':
      return e.name === name;
    default:
      return false;
  }
}

function arrowsInto(e: PermissionExpr): { tupleset: string; computed: string }[] {
  switch (e.kind) {
    case 'union':
    case 'intersection':
      return e.children.flatMap(arrowsInto);
    case 'exclusion':
      return [...arrowsInto(e.base), ...arrowsInto(e.subtract)];
    case 'arrow':
      return [{ tupleset: e.tupleset, computed: e.computed }];
    default:
      return [];
  }
}

/**
 * Every relation and permission (in any definition) whose result can include subjects of
 * `definition#relation` (`relation` empty or `...`: plain `definition` subjects).
 */
export function computablePermissions(
  schema: Schema,
  definition: string,
  relation: string,
  definitionFilter?: string,
): RelationReference[] {
  const def = schema.definitions.get(definition);
  if (!def) throw new DefinitionNotFoundError(definition);
  const start = relation === '' ? ELLIPSIS_RELATION : relation;
  if (start !== ELLIPSIS_RELATION && !def.members.has(start)) throw new RelationNotFoundError(definition, relation);

  const found = new Map<string, { definition: string; relation: string }>();
  const queue: [string, string][] = [[definition, start]];
  for (let i = 0; i < queue.length; i++) {
    const [d, r] = queue[i] as [string, string];
    for (const e of schema.definitions.values()) {
      for (const m of e.members.values()) {
        const k = key(e.name, m.name);
        if (found.has(k)) continue;
        let hit = false;
        if (m.kind === 'relation') {
          hit = m.allowedTypes.some(
            (t) =>
              t.type === d &&
              (r === ELLIPSIS_RELATION
                ? t.wildcard || t.relation === undefined || t.relation === ELLIPSIS_RELATION
                : !t.wildcard && t.relation === r),
          );
        } else {
          hit =
            (e.name === d && r !== ELLIPSIS_RELATION && referencesComputed(m.expression, r)) ||
            (r !== ELLIPSIS_RELATION &&
              arrowsInto(m.expression).some(({ tupleset, computed }) => {
                if (computed !== r) return false;
                const ts = e.members.get(tupleset);
                return ts?.kind === 'relation' && ts.allowedTypes.some((t) => t.type === d);
              }));
        }
        if (hit) {
          found.set(k, { definition: e.name, relation: m.name });
          queue.push([e.name, m.name]);
        }
      }
    }
  }
  const results = finish(schema, found, key(definition, relation));
  return definitionFilter ? results.filter((r) => r.definition.startsWith(definitionFilter)) : results;
}

/** Every relation and permission that `definition#permission` is computed from, transitively. */
export function dependentRelations(schema: Schema, definition: string, permission: string): RelationReference[] {
  const def = schema.definitions.get(definition);
  if (!def) throw new DefinitionNotFoundError(definition);
  const member = def.members.get(permission);
  if (!member) throw new RelationNotFoundError(definition, permission);
  if (member.kind !== 'permission') throw new InvalidArgumentError(`\`${permission}\` is not a permission`, 'permission_name');

  const found = new Map<string, { definition: string; relation: string }>();
  const add = (d: string, r: string): void => {
    const k = key(d, r);
    if (found.has(k) || !schema.definitions.get(d)?.members.has(r)) return;
    found.set(k, { definition: d, relation: r });
    visit(d, r);
  };
  const visitExpr = (d: string, e: PermissionExpr): void => {
    switch (e.kind) {
      case 'union':
      case 'intersection':
        e.children.forEach((c) => visitExpr(d, c));
        return;
      case 'exclusion':
        visitExpr(d, e.base);
        visitExpr(d, e.subtract);
        return;
      case 'computed':
        add(d, e.name);
        return;
      case 'arrow': {
        add(d, e.tupleset);
        const ts = schema.definitions.get(d)?.members.get(e.tupleset);
        if (ts?.kind === 'relation') for (const t of ts.allowedTypes) add(t.type, e.computed);
        return;
      }
      case 'nil':
      case 'self':
        return;
    }
  };
  const visit = (d: string, r: string): void => {
    const m = schema.definitions.get(d)?.members.get(r);
    if (!m) return;
    if (m.kind === 'permission') visitExpr(d, m.expression);
    else
      for (const t of m.allowedTypes)
        if (!t.wildcard && t.relation !== undefined && t.relation !== ELLIPSIS_RELATION) add(t.type, t.relation);
  };
  found.set(key(definition, permission), { definition, relation: permission });
  visit(definition, permission);
  return finish(schema, found, key(definition, permission));
}
