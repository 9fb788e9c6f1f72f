/**
 * Structural differences between two compiled schemas, in the 19 kinds of the DiffSchema RPC
 * (`ReflectionSchemaDiff`, reference §1.2), in SpiceDB's order: added and removed definitions,
 * added and removed caveats, then changes inside definitions and caveats (sorted by name).
 */
import { formatCaveatType } from '../caveats/index.js';
import { sameAllowedType } from './allowed-type.js';
import type { AllowedType, CaveatDefinition, Definition, Permission, Relation, Schema } from './model.js';
import { printExpr } from './printer.js';

export type SchemaDiff =
  | { readonly kind: 'definition_added' | 'definition_removed' | 'definition_doc_comment_changed'; readonly definition: Definition }
  | { readonly kind: 'relation_added' | 'relation_removed' | 'relation_doc_comment_changed'; readonly relation: Relation }
  | {
      readonly kind: 'relation_subject_type_added' | 'relation_subject_type_removed';
      /** The relation as it is in the new schema. */
      readonly relation: Relation;
      readonly subjectType: AllowedType;
    }
  | {
      readonly kind: 'permission_added' | 'permission_removed' | 'permission_doc_comment_changed' | 'permission_expr_changed';
      readonly permission: Permission;
    }
  | {
      readonly kind: 'caveat_added' | 'caveat_removed' | 'caveat_doc_comment_changed' | 'caveat_expr_changed';
      readonly caveat: CaveatDefinition;
    }
  | {
      readonly kind: 'caveat_parameter_added' | 'caveat_parameter_removed';
      readonly caveat: string;
      readonly parameter: string;
      /** SpiceDB's spelling, e.g. `list<int>`. */
      readonly type: string;
    }
  | {
      readonly kind: 'caveat_parameter_type_changed';
      readonly caveat: string;
      readonly parameter: string;
      readonly type: string;
      readonly previousType: string;
    };

export type SchemaDiffKind = SchemaDiff['kind'];

const EMPTY: Schema = { definitions: new Map(), caveats: new Map(), flags: new Set() };

function sortedNames(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()].sort();
}

export function diffSchemas(old: Schema | undefined, next: Schema): SchemaDiff[] {
  const before = old ?? EMPTY;
  const out: SchemaDiff[] = [];
  for (const name of sortedNames(next.definitions)) {
    const d = next.definitions.get(name);
    if (d && !before.definitions.has(name)) out.push({ kind: 'definition_added', definition: d });
  }
  for (const name of sortedNames(before.definitions)) {
    const d = before.definitions.get(name);
    if (d && !next.definitions.has(name)) out.push({ kind: 'definition_removed', definition: d });
  }
  for (const name of sortedNames(next.caveats)) {
    const c = next.caveats.get(name);
    if (c && !before.caveats.has(name)) out.push({ kind: 'caveat_added', caveat: c });
  }
  for (const name of sortedNames(before.caveats)) {
    const c = before.caveats.get(name);
    if (c && !next.caveats.has(name)) out.push({ kind: 'caveat_removed', caveat: c });
  }
  for (const name of sortedNames(next.definitions)) {
    const a = before.definitions.get(name);
    const b = next.definitions.get(name);
    if (a && b) out.push(...diffDefinition(a, b));
  }
  for (const name of sortedNames(next.caveats)) {
    const a = before.caveats.get(name);
    const b = next.caveats.get(name);
    if (a && b) out.push(...diffCaveat(a, b));
  }
  return out;
}

function diffDefinition(a: Definition, b: Definition): SchemaDiff[] {
  const out: SchemaDiff[] = [];
  if ((a.comment ?? '') !== (b.comment ?? '')) out.push({ kind: 'definition_doc_comment_changed', definition: b });
  for (const m of a.members.values()) {
    const n = b.members.get(m.name);
    if (n && n.kind === m.kind) continue;
    out.push(m.kind === 'relation' ? { kind: 'relation_removed', relation: m } : { kind: 'permission_removed', permission: m });
  }
  for (const n of b.members.values()) {
    const m = a.members.get(n.name);
    if (m && m.kind === n.kind) continue;
    out.push(n.kind === 'relation' ? { kind: 'relation_added', relation: n } : { kind: 'permission_added', permission: n });
  }
  for (const n of b.members.values()) {
    const m = a.members.get(n.name);
    if (!m || m.kind !== n.kind) continue;
    const commentChanged = (m.comment ?? '') !== (n.comment ?? '');
    if (m.kind === 'permission' && n.kind === 'permission') {
      if (commentChanged) out.push({ kind: 'permission_doc_comment_changed', permission: n });
      if (printExpr(m.expression) !== printExpr(n.expression)) out.push({ kind: 'permission_expr_changed', permission: n });
    } else if (m.kind === 'relation' && n.kind === 'relation') {
      if (commentChanged) out.push({ kind: 'relation_doc_comment_changed', relation: n });
      for (const t of m.allowedTypes) {
        if (!n.allowedTypes.some((x) => sameAllowedType(x, t)))
          out.push({ kind: 'relation_subject_type_removed', relation: n, subjectType: t });
      }
      for (const t of n.allowedTypes) {
        if (!m.allowedTypes.some((x) => sameAllowedType(x, t)))
          out.push({ kind: 'relation_subject_type_added', relation: n, subjectType: t });
      }
    }
  }
  return out;
}

function diffCaveat(a: CaveatDefinition, b: CaveatDefinition): SchemaDiff[] {
  const out: SchemaDiff[] = [];
  if ((a.comment ?? '') !== (b.comment ?? '')) out.push({ kind: 'caveat_doc_comment_changed', caveat: b });
  for (const [p, t] of [...b.parameters].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!a.parameters.has(p)) out.push({ kind: 'caveat_parameter_added', caveat: b.name, parameter: p, type: formatCaveatType(t) });
  }
  for (const [p, t] of [...a.parameters].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const nt = b.parameters.get(p);
    if (!nt) out.push({ kind: 'caveat_parameter_removed', caveat: a.name, parameter: p, type: formatCaveatType(t) });
    else if (formatCaveatType(nt) !== formatCaveatType(t)) {
      out.push({
        kind: 'caveat_parameter_type_changed',
        caveat: b.name,
        parameter: p,
        type: formatCaveatType(nt),
        previousType: formatCaveatType(t),
      });
    }
  }
  if (a.expression.trim() !== b.expression.trim()) out.push({ kind: 'caveat_expr_changed', caveat: b });
  return out;
}
