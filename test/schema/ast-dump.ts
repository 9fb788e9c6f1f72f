/** A readable, stable dump of the parse tree for golden files. */
import type { ExprNode, FileNode, MemberNode, Span, TopLevelNode } from '../../src/schema/index.js';

function at(s: Span): string {
  return `@${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
}

export function dumpAst(file: FileNode): string {
  const lines: string[] = [`file ${at(file)}`];
  for (const item of file.items) dumpTop(item, lines, '  ');
  return lines.join('\n');
}

function comments(cs: readonly string[], lines: string[], indent: string): void {
  for (const c of cs) lines.push(`${indent}comment ${JSON.stringify(c)}`);
}

function dumpTop(item: TopLevelNode, lines: string[], indent: string): void {
  switch (item.kind) {
    case 'use':
      lines.push(`${indent}use ${item.flag} ${at(item)}`);
      return;
    case 'import':
      lines.push(`${indent}import ${JSON.stringify(item.path)} ${at(item)}`);
      return;
    case 'caveat':
      lines.push(`${indent}caveat ${item.name} ${at(item)}`);
      comments(item.comments, lines, `${indent}  `);
      for (const p of item.params) lines.push(`${indent}  param ${p.name} ${typeText(p.type)} ${at(p)}`);
      lines.push(
        `${indent}  expression ${JSON.stringify(item.expression.trim())} @${item.expressionStart.line}:${item.expressionStart.column}`,
      );
      return;
    case 'definition':
    case 'partial':
      lines.push(`${indent}${item.kind} ${item.name} ${at(item)}`);
      comments(item.comments, lines, `${indent}  `);
      for (const m of item.members) dumpMember(m, lines, `${indent}  `);
      return;
  }
}

function typeText(t: { name: string; args: readonly { name: string; args: readonly unknown[] }[] }): string {
  return t.args.length === 0 ? t.name : `${t.name}<${t.args.map((a) => typeText(a as never)).join(', ')}>`;
}

function dumpMember(m: MemberNode, lines: string[], indent: string): void {
  switch (m.kind) {
    case 'partial_ref':
      lines.push(`${indent}...${m.name} ${at(m)}`);
      return;
    case 'relation':
      lines.push(`${indent}relation ${m.name} ${at(m)}`);
      comments(m.comments, lines, `${indent}  `);
      for (const t of m.types) {
        const parts = [t.type];
        if (t.wildcard) parts.push(':*');
        if (t.relation !== undefined) parts.push(`#${t.relation}`);
        if (t.caveat !== undefined) parts.push(` with ${t.caveat}`);
        if (t.expiration) parts.push(' +expiration');
        lines.push(`${indent}  type ${parts.join('')} ${at(t)}`);
      }
      return;
    case 'permission':
      lines.push(`${indent}permission ${m.name}${m.annotation ? `: ${m.annotation.join(' | ')}` : ''} ${at(m)}`);
      comments(m.comments, lines, `${indent}  `);
      if (m.expr) dumpExpr(m.expr, lines, `${indent}  `);
      return;
  }
}

function dumpExpr(e: ExprNode, lines: string[], indent: string): void {
  switch (e.kind) {
    case 'union':
    case 'intersection':
    case 'exclusion':
      lines.push(`${indent}${e.kind} ${at(e)}`);
      dumpExpr(e.left, lines, `${indent}  `);
      dumpExpr(e.right, lines, `${indent}  `);
      return;
    case 'identifier':
      lines.push(`${indent}identifier ${e.name} ${at(e)}`);
      return;
    case 'arrow':
      lines.push(`${indent}arrow(${e.fn}) -> ${e.right} ${at(e)}`);
      dumpExpr(e.left, lines, `${indent}  `);
      return;
    case 'nil':
    case 'self':
      lines.push(`${indent}${e.kind} ${at(e)}`);
      return;
  }
}
