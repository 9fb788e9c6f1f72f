/**
 * The canonical printer, modelled on SpiceDB's generator (what ReadSchema returns): `use`
 * lines for flags in use, then caveats, then definitions, each sorted by name; tab indentation; comments
 * re-emitted; caveat parameters sorted by name; every nested operation parenthesised.
 */
import { formatCaveatType } from '../caveats/index.js';
import { lex } from './lexer.js';
import { sourceForAllowedType } from './allowed-type.js';
import {
  assertNever,
  type AllowedType,
  type CaveatDefinition,
  type Definition,
  type PermissionExpr,
  type Schema,
  type UseFlag,
} from './model.js';

const MAX_SINGLE_LINE_COMMENT = 70;

export function printSchema(schema: Schema): string {
  const blocks: string[] = [];
  const flags = flagsInUse(schema);
  if (flags.length > 0) blocks.push(flags.map((f) => `use ${f}`).join('\n'));
  for (const c of [...schema.caveats.values()].sort(byName)) blocks.push(printCaveat(c));
  for (const d of [...schema.definitions.values()].sort(byName)) blocks.push(printDefinition(d));
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}

/**
 * Like SpiceDB, which regenerates the text from stored definitions, only flags something relies
 * on are printed; `partial` never is, as partials are already spliced in.
 */
export function flagsInUse(schema: Schema): UseFlag[] {
  const used = new Set<UseFlag>();
  const usesSelf = (e: PermissionExpr): boolean =>
    e.kind === 'self' ||
    ((e.kind === 'union' || e.kind === 'intersection') && e.children.some(usesSelf)) ||
    (e.kind === 'exclusion' && (usesSelf(e.base) || usesSelf(e.subtract)));
  for (const d of schema.definitions.values()) {
    for (const m of d.members.values()) {
      if (m.kind === 'relation') {
        if (m.allowedTypes.some((t) => t.expiration)) used.add('expiration');
      } else {
        if (usesSelf(m.expression)) used.add('self');
        if (m.typeAnnotation) used.add('typechecking');
      }
    }
  }
  return [...used].sort();
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function printCaveat(c: CaveatDefinition): string {
  const params = [...c.parameters.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, type]) => `${name} ${formatCaveatType(type)}`)
    .join(', ');
  // Only the first line is indented: continuation lines keep their own layout, so printing
  // what was printed changes nothing.
  const body = `\t${c.expression.trim()}`;
  return `${printComments(c.comment, '')}caveat ${c.name}(${params}) {\n${body}\n}`;
}

function printDefinition(d: Definition): string {
  const head = `${printComments(d.comment, '')}definition ${d.name}`;
  if (d.members.size === 0) return `${head} {}`;
  const lines: string[] = [];
  let first = true;
  for (const m of d.members.values()) {
    const comments = printComments(m.comment, '\t');
    // Like SpiceDB's generator: a commented member is set apart by a blank line.
    if (comments && !first) lines.push('');
    first = false;
    const body =
      m.kind === 'relation'
        ? `relation ${m.name}: ${m.allowedTypes.map(printAllowedType).join(' | ')}`
        : `permission ${m.name}${m.typeAnnotation ? `: ${m.typeAnnotation.join(' | ')}` : ''} = ${printExpr(m.expression)}`;
    lines.push(`${comments}\t${body}`);
  }
  return `${head} {\n${lines.join('\n')}\n}`;
}

/** As written: unlike the message form, an explicit `#...` is kept. */
function printAllowedType(t: AllowedType): string {
  if (t.relation !== '...') return sourceForAllowedType(t);
  const { relation: _explicitEllipsis, ...plain } = t;
  return `${t.type}#...${sourceForAllowedType(plain).slice(t.type.length)}`;
}

export function printExpr(e: PermissionExpr): string {
  switch (e.kind) {
    case 'union':
      return e.children.map(printChild).join(' + ');
    case 'intersection':
      return e.children.map(printChild).join(' & ');
    case 'exclusion':
      return `${printChild(e.base)} - ${printChild(e.subtract)}`;
    case 'computed':
      return e.name;
    case 'arrow':
      if (e.mode === 'all') return `${e.tupleset}.all(${e.computed})`;
      return e.explicitAny ? `${e.tupleset}.any(${e.computed})` : `${e.tupleset}->${e.computed}`;
    case 'nil':
      return 'nil';
    case 'self':
      return 'self';
    default:
      return assertNever(e);
  }
}

function printChild(e: PermissionExpr): string {
  return e.kind === 'union' || e.kind === 'intersection' || e.kind === 'exclusion' ? `(${printExpr(e)})` : printExpr(e);
}

/** Re-emits stored comments in SpiceDB's normalised shape, each followed by a newline. */
function printComments(comment: string | undefined, indent: string): string {
  if (comment === undefined || comment === '') return '';
  const out: string[] = [];
  const pieces = splitComments(comment);
  for (const c of pieces) {
    if (c.startsWith('//')) {
      out.push(`${indent}// ${c.slice(2).trim()}`.trimEnd());
      continue;
    }
    const opener = c.startsWith('/**') ? '/**' : '/*';
    const inner = c.slice(opener.length).replace(/\*\/$/, '').trim();
    if (inner.length > MAX_SINGLE_LINE_COMMENT || /[\r\n]/.test(inner)) {
      out.push(`${indent}${opener}`);
      for (const line of inner.split(/\r\n|\r|\n/)) {
        out.push(`${indent} * ${line.trim().replace(/^\*/, '').trim()}`.trimEnd());
      }
      out.push(`${indent} */`);
    } else {
      out.push(`${indent}${opener} ${inner.replace(/^\*/, '').trim()} */`.replace(/ {2}\*\/$/, ' */'));
    }
  }
  return `${out.join('\n')}\n`;
}

/** A stored comment is several comments joined by newlines; the lexer tells them apart. */
function splitComments(comment: string): string[] {
  const { tokens } = lex(`${comment}\nx`);
  const last = tokens.find((t) => t.kind === 'TokenTypeIdentifier');
  return last ? [...last.comments] : [comment];
}
