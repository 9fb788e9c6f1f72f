/**
 * Translates the parse tree into the typed model: expands partials, flattens same-operator
 * chains, validates names (reference §2.4) and rejects duplicates. These are parse-category
 * problems in SpiceDB (its translator reports them as SCHEMA_PARSE_ERROR).
 */
import { buildCaveatType, type CaveatParameterType } from '../caveats/index.js';
import {
  CAVEAT_NAME_RE,
  RELATION_NAME_RE,
  TYPE_NAME_RE,
  isValidCaveatName,
  isValidRelationName,
  isValidTypeName,
  type Diagnostic,
} from '../core/index.js';
import type { CaveatNode, CaveatTypeNode, DefinitionNode, ExprNode, FileNode, MemberNode, PartialNode, Span } from './ast.js';
import type { AllowedType, Definition, Permission, PermissionExpr, Relation, UseFlag } from './model.js';

/** A caveat before its CEL body is compiled. */
export interface PendingCaveat {
  readonly name: string;
  readonly comment?: string;
  readonly parameters: ReadonlyMap<string, CaveatParameterType>;
  readonly node: CaveatNode;
}

/** Source spans of model pieces, for positioning the type checker's diagnostics. */
export interface SourceMap {
  readonly exprs: WeakMap<object, Span>;
  readonly allowedTypes: WeakMap<AllowedType, Span>;
  readonly members: WeakMap<Relation | Permission, Span>;
}

export interface Translation {
  readonly flags: ReadonlySet<UseFlag>;
  readonly definitions: ReadonlyMap<string, Definition>;
  readonly caveats: ReadonlyMap<string, PendingCaveat>;
  readonly sourceMap: SourceMap;
  readonly diagnostics: readonly Diagnostic[];
}

/** The regex as SpiceDB prints it (JS escapes `/` in `source`). */
function pattern(re: RegExp): string {
  return re.source.replace(/\\\//g, '/');
}

export function joinComments(comments: readonly string[]): string | undefined {
  return comments.length > 0 ? comments.join('\n') : undefined;
}

export function translate(file: FileNode, source: string): Translation {
  const diagnostics: Diagnostic[] = [];
  const sourceMap: SourceMap = { exprs: new WeakMap(), allowedTypes: new WeakMap(), members: new WeakMap() };
  const report = (message: string, span: Span, definition?: string): void => {
    diagnostics.push({
      message,
      start: { line: span.start.line, column: span.start.column },
      end: { line: span.end.line, column: span.end.column },
      source,
      severity: 'error',
      category: 'parse',
      ...(definition !== undefined ? { definition } : {}),
    });
  };

  const flags = new Set<UseFlag>();
  const seenFlags = new Set<string>();
  const partials = new Map<string, PartialNode>();
  for (const item of file.items) {
    if (item.kind === 'use') {
      if (seenFlags.has(item.flag)) report(`found duplicate use flag \`${item.flag}\``, item);
      seenFlags.add(item.flag);
      if (item.flag !== 'import') flags.add(item.flag as UseFlag);
    }
    if (item.kind === 'import') {
      report('`import` statements are not supported when writing a schema; compile the schema (e.g. `zed schema compile`) first', item);
    }
    if (item.kind === 'partial') {
      if (partials.has(item.name)) report(`found duplicate partial \`${item.name}\``, item.nameSpan);
      else partials.set(item.name, item);
    }
  }

  const names = new Set<string>();
  const definitions = new Map<string, Definition>();
  const caveats = new Map<string, PendingCaveat>();
  const claimName = (name: string, span: Span): boolean => {
    // SpiceDB positions this at the start of the second declaration.
    if (names.has(name)) {
      report(`found name reused between multiple definitions and/or caveats: ${name}`, span);
      return false;
    }
    names.add(name);
    return true;
  };

  for (const item of file.items) {
    if (item.kind === 'definition') {
      if (!claimName(item.name, item)) continue;
      const def = translateDefinition(item, partials, sourceMap, report, flags);
      if (def) definitions.set(def.name, def);
    } else if (item.kind === 'caveat') {
      if (!claimName(item.name, item)) continue;
      const cav = translateCaveat(item, report);
      if (cav) caveats.set(cav.name, cav);
    }
  }
  return { flags, definitions, caveats, sourceMap, diagnostics };
}

type Report = (message: string, span: Span, definition?: string) => void;

function translateDefinition(
  node: DefinitionNode,
  partials: ReadonlyMap<string, PartialNode>,
  sourceMap: SourceMap,
  report: Report,
  flags: ReadonlySet<UseFlag>,
): Definition | undefined {
  if (!isValidTypeName(node.name)) {
    report(
      `error in object definition ${node.name}: invalid NamespaceDefinition.Name: value does not match regex pattern "${pattern(TYPE_NAME_RE)}"`,
      node,
      node.name,
    );
    return undefined;
  }
  const members = new Map<string, Relation | Permission>();
  let ok = true;
  for (const m of expandPartials(node.members, partials, [], report, node.name)) {
    if (m.kind === 'partial_ref') continue;
    if (!isValidRelationName(m.name)) {
      report(
        `error in relation ${m.name}: invalid Relation.Name: value does not match regex pattern "${pattern(RELATION_NAME_RE)}"`,
        m,
        node.name,
      );
      ok = false;
      continue;
    }
    if (members.has(m.name)) {
      report(`found duplicate relation/permission name \`${m.name}\` under definition \`${node.name}\``, m, node.name);
      ok = false;
      continue;
    }
    const comment = joinComments(m.comments);
    const position = { line: m.start.line, column: m.start.column };
    if (m.kind === 'relation') {
      for (const t of m.types) {
        // `expiration` is a trait, never a caveat name; it needs the flag.
        if (t.caveat === 'expiration' && !t.expiration && !flags.has('expiration')) {
          report('expiration flag is not enabled; add `use expiration` to top of file', t, node.name);
          ok = false;
        }
      }
      const allowedTypes = m.types.map((t) => {
        const at: AllowedType = {
          type: t.type,
          ...(t.relation !== undefined ? { relation: t.relation } : {}),
          wildcard: t.wildcard,
          ...(t.caveat !== undefined ? { caveat: t.caveat } : {}),
          expiration: t.expiration,
        };
        sourceMap.allowedTypes.set(at, t);
        return at;
      });
      const rel: Relation = {
        kind: 'relation',
        name: m.name,
        definition: node.name,
        ...(comment !== undefined ? { comment } : {}),
        allowedTypes,
        position,
      };
      sourceMap.members.set(rel, m);
      members.set(m.name, rel);
    } else {
      if (!m.expr) {
        ok = false;
        continue;
      }
      const expression = translateExpr(m.expr, sourceMap, (msg, span) => {
        report(msg, span, node.name);
        ok = false;
      });
      const perm: Permission = {
        kind: 'permission',
        name: m.name,
        definition: node.name,
        ...(comment !== undefined ? { comment } : {}),
        expression,
        ...(m.annotation ? { typeAnnotation: m.annotation } : {}),
        position,
      };
      sourceMap.members.set(perm, m);
      members.set(m.name, perm);
    }
  }
  if (!ok) return undefined;
  const comment = joinComments(node.comments);
  return {
    kind: 'definition',
    name: node.name,
    ...(comment !== undefined ? { comment } : {}),
    members,
    position: { line: node.start.line, column: node.start.column },
  };
}

/** Splices `...partial` references in place, following nested references and refusing cycles. */
function expandPartials(
  members: readonly MemberNode[],
  partials: ReadonlyMap<string, PartialNode>,
  stack: readonly string[],
  report: Report,
  definition: string,
): MemberNode[] {
  const out: MemberNode[] = [];
  for (const m of members) {
    if (m.kind !== 'partial_ref') {
      out.push(m);
      continue;
    }
    const partial = partials.get(m.name);
    if (!partial) {
      report(`could not find partial reference \`${m.name}\``, m, definition);
      continue;
    }
    if (stack.includes(m.name)) {
      report(`circular reference found in partial \`${m.name}\``, m, definition);
      continue;
    }
    out.push(...expandPartials(partial.members, partials, [...stack, m.name], report, definition));
  }
  return out;
}

/** Operands of a same-operator chain, left to right; iterative so long chains cannot overflow. */
function collect(node: ExprNode, kind: 'union' | 'intersection', into: ExprNode[]): void {
  const stack: ExprNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as ExprNode;
    if (n.kind === kind) stack.push(n.right, n.left);
    else into.push(n);
  }
}

export function translateExpr(node: ExprNode, sourceMap: SourceMap, report: (msg: string, span: Span) => void): PermissionExpr {
  let out: PermissionExpr;
  switch (node.kind) {
    case 'union':
    case 'intersection': {
      const operands: ExprNode[] = [];
      collect(node, node.kind, operands);
      out = { kind: node.kind, children: operands.map((o) => translateExpr(o, sourceMap, report)) };
      break;
    }
    case 'exclusion':
      out = {
        kind: 'exclusion',
        base: translateExpr(node.left, sourceMap, report),
        subtract: translateExpr(node.right, sourceMap, report),
      };
      break;
    case 'identifier':
      out = { kind: 'computed', name: node.name };
      break;
    case 'arrow':
      if (node.left.kind !== 'identifier') {
        report('Nested arrows not yet supported', node);
        out = { kind: 'nil' };
      } else {
        out = {
          kind: 'arrow',
          tupleset: node.left.name,
          computed: node.right,
          mode: node.fn === 'all' ? 'all' : 'any',
          ...(node.fn === 'any' ? { explicitAny: true as const } : {}),
        };
      }
      break;
    case 'nil':
      out = { kind: 'nil' };
      break;
    case 'self':
      out = { kind: 'self' };
      break;
  }
  sourceMap.exprs.set(out, node);
  return out;
}

function translateCaveat(node: CaveatNode, report: Report): PendingCaveat | undefined {
  if (!isValidCaveatName(node.name)) {
    report(
      `error in caveat ${node.name}: invalid CaveatDefinition.Name: value does not match regex pattern "${pattern(CAVEAT_NAME_RE)}"`,
      node,
    );
    return undefined;
  }
  const parameters = new Map<string, CaveatParameterType>();
  let ok = true;
  for (const p of node.params) {
    if (parameters.has(p.name)) {
      report(`found duplicate parameter \`${p.name}\` for caveat \`${node.name}\``, p);
      ok = false;
      continue;
    }
    const t = translateCaveatType(p.type, (msg) => {
      report(`invalid type for caveat parameter \`${p.name}\` on caveat \`${node.name}\`: ${msg}`, p);
      ok = false;
    });
    if (t) parameters.set(p.name, t);
  }
  if (!ok) return undefined;
  const comment = joinComments(node.comments);
  return { name: node.name, ...(comment !== undefined ? { comment } : {}), parameters, node };
}

function translateCaveatType(node: CaveatTypeNode, report: (msg: string, span: Span) => void): CaveatParameterType | undefined {
  const args: CaveatParameterType[] = [];
  for (const a of node.args) {
    const t = translateCaveatType(a, report);
    if (!t) return undefined;
    args.push(t);
  }
  // The caveat layer owns the type names and their arity, with SpiceDB's messages.
  const built = buildCaveatType(node.name, args);
  if ('error' in built) {
    report(built.error, node);
    return undefined;
  }
  return built.type;
}
