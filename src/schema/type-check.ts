/**
 * Semantic checks over the translated model (reference §2.5, SpiceDB's typesystem `Validate`):
 * unknown relations, types and caveats, arrows over permissions or wildcards, transitive
 * wildcards, duplicate allowed types, incomplete `use typechecking` annotations.
 */
import type { Diagnostic } from '../core/index.js';
import type { Span } from './ast.js';
import { ELLIPSIS_RELATION, sourceForAllowedType } from './allowed-type.js';
import type { AllowedType, Definition, Permission, PermissionExpr, Relation } from './model.js';
import type { SourceMap } from './translate.js';

export interface TypeCheckInput {
  readonly definitions: ReadonlyMap<string, Definition>;
  readonly caveatNames: ReadonlySet<string>;
  readonly sourceMap: SourceMap;
  readonly source: string;
}

interface WildcardRef {
  readonly wildcardType: string;
  /** `definition#relation` that allows the wildcard. */
  readonly via: string;
}

export function typeCheck(input: TypeCheckInput): Diagnostic[] {
  const { definitions, caveatNames, sourceMap, source } = input;
  const diagnostics: Diagnostic[] = [];
  const report = (message: string, span: Span | undefined, definition: string): void => {
    const start = span?.start ?? { line: 1, column: 1 };
    diagnostics.push({
      message,
      start: { line: start.line, column: start.column },
      ...(span ? { end: { line: span.end.line, column: span.end.column } } : {}),
      source,
      severity: 'error',
      category: 'type',
      definition,
    });
  };

  const wildcardCache = new Map<string, WildcardRef | null>();
  const referencesWildcard = (def: string, rel: string, seen: Set<string>): WildcardRef | undefined => {
    const key = `${def}#${rel}`;
    const cached = wildcardCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const member = definitions.get(def)?.members.get(rel);
    let found: WildcardRef | undefined;
    if (member?.kind === 'relation') {
      for (const t of member.allowedTypes) {
        if (t.wildcard) {
          found = { wildcardType: t.type, via: key };
          break;
        }
        if (t.relation !== undefined && t.relation !== ELLIPSIS_RELATION) {
          found = referencesWildcard(t.type, t.relation, seen);
          if (found) break;
        }
      }
    }
    wildcardCache.set(key, found ?? null);
    return found;
  };

  for (const def of definitions.values()) {
    for (const member of def.members.values()) {
      if (member.kind === 'permission') checkPermission(def, member);
      else checkRelation(def, member);
    }
  }
  return diagnostics;

  function checkPermission(def: Definition, perm: Permission): void {
    const walk = (e: PermissionExpr): boolean => {
      switch (e.kind) {
        case 'union':
        case 'intersection':
          return e.children.every(walk);
        case 'exclusion':
          return walk(e.base) && walk(e.subtract);
        case 'computed':
          if (!def.members.has(e.name)) {
            report(`relation/permission \`${e.name}\` not found under definition \`${def.name}\``, sourceMap.exprs.get(e), def.name);
            return false;
          }
          return true;
        case 'arrow': {
          const span = sourceMap.exprs.get(e);
          const tupleset = def.members.get(e.tupleset);
          if (!tupleset) {
            report(`relation/permission \`${e.tupleset}\` not found under definition \`${def.name}\``, span, def.name);
            return false;
          }
          if (tupleset.kind === 'permission') {
            report(
              `under permission \`${perm.name}\` under definition \`${def.name}\`: permissions cannot be used on the left hand side of an arrow (found \`${e.tupleset}\`)`,
              span,
              def.name,
            );
            return false;
          }
          const wc = referencesWildcard(def.name, e.tupleset, new Set());
          if (wc) {
            report(
              `for arrow under permission \`${perm.name}\`: relation \`${def.name}#${e.tupleset}\` includes wildcard type \`${wc.wildcardType}\` via relation \`${wc.via}\`: wildcard relations cannot be used on the left side of arrows`,
              span,
              def.name,
            );
            return false;
          }
          return true;
        }
        case 'nil':
        case 'self':
          return true;
      }
    };
    if (walk(perm.expression) && perm.typeAnnotation) checkAnnotation(def, perm, perm.typeAnnotation);
  }

  function checkRelation(def: Definition, rel: Relation): void {
    const span = sourceMap.members.get(rel);
    if (rel.allowedTypes.length === 0) {
      report(`at least one allowed relation/permission is required to be defined for relation \`${rel.name}\``, span, def.name);
      return;
    }
    const seen = new Set<string>();
    for (const t of rel.allowedTypes) {
      const tspan = sourceMap.allowedTypes.get(t) ?? span;
      const src = sourceForAllowedType(t);
      if (seen.has(src)) {
        report(
          `found duplicate allowed subject type \`${src}\` on relation \`${rel.name}\` under definition \`${def.name}\``,
          tspan,
          def.name,
        );
        return;
      }
      seen.add(src);
      const target = definitions.get(t.type);
      if (!target) {
        report(
          `could not lookup definition \`${t.type}\` for relation \`${rel.name}\`: object definition \`${t.type}\` not found`,
          tspan,
          def.name,
        );
        return;
      }
      if (!t.wildcard && t.relation !== undefined && t.relation !== ELLIPSIS_RELATION) {
        if (!target.members.has(t.relation)) {
          report(`relation/permission \`${t.relation}\` not found under definition \`${t.type}\``, tspan, def.name);
          return;
        }
        if (t.type !== def.name) {
          const wc = referencesWildcard(t.type, t.relation, new Set());
          if (wc) {
            report(
              `for relation \`${rel.name}\`: relation/permission \`${t.type}#${t.relation}\` includes wildcard type \`${wc.wildcardType}\` via relation \`${wc.via}\`: wildcard relations cannot be transitively included`,
              tspan,
              def.name,
            );
            return;
          }
        }
      }
      if (t.caveat !== undefined && !caveatNames.has(t.caveat)) {
        report(`could not lookup caveat \`${t.caveat}\` for relation \`${rel.name}\`: caveat \`${t.caveat}\` not found`, tspan, def.name);
        return;
      }
    }
  }

  function checkAnnotation(def: Definition, perm: Permission, annotation: readonly string[]): void {
    const reachable = reachableSubjectTypes(definitions, def.name, perm.name);
    for (const t of reachable) {
      if (!annotation.includes(t)) {
        report(
          `incomplete type annotation on relation \`${perm.name}\` in definition \`${def.name}\`: \`${t}\` found as reachable type, but not contained in provided set [${annotation.join(' ')}]`,
          sourceMap.members.get(perm),
          def.name,
        );
        return;
      }
    }
  }
}

/** The terminal subject types a relation or permission can produce, in discovery order. */
export function reachableSubjectTypes(definitions: ReadonlyMap<string, Definition>, definition: string, name: string): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visitMember = (def: string, member: string): void => {
    const key = `${def}#${member}`;
    if (seen.has(key)) return;
    seen.add(key);
    const m = definitions.get(def)?.members.get(member);
    if (!m) return;
    if (m.kind === 'relation') {
      for (const t of m.allowedTypes) visitAllowed(t);
    } else {
      visitExpr(def, m.expression);
    }
  };
  const visitAllowed = (t: AllowedType): void => {
    if (t.wildcard || t.relation === undefined || t.relation === ELLIPSIS_RELATION) out.add(t.type);
    else visitMember(t.type, t.relation);
  };
  const visitExpr = (def: string, e: PermissionExpr): void => {
    switch (e.kind) {
      case 'union':
      case 'intersection':
        e.children.forEach((c) => visitExpr(def, c));
        return;
      case 'exclusion':
        visitExpr(def, e.base);
        return;
      case 'computed':
        visitMember(def, e.name);
        return;
      case 'arrow': {
        const ts = definitions.get(def)?.members.get(e.tupleset);
        if (ts?.kind === 'relation') for (const t of ts.allowedTypes) visitMember(t.type, e.computed);
        return;
      }
      case 'self':
        out.add(def);
        return;
      case 'nil':
        return;
    }
  };
  visitMember(definition, name);
  return [...out];
}
