/**
 * The parse tree: immutable, `kind`-tagged nodes with source spans. Produced by parser.ts even
 * for broken input (missing pieces are simply absent; the diagnostics say what went wrong).
 */
import type { Position } from './lexer.js';

export interface Span {
  readonly start: Position;
  readonly end: Position;
}

export interface FileNode extends Span {
  readonly kind: 'file';
  readonly items: readonly TopLevelNode[];
}

export type TopLevelNode = UseFlagNode | ImportNode | DefinitionNode | PartialNode | CaveatNode;

export interface UseFlagNode extends Span {
  readonly kind: 'use';
  readonly flag: string;
}

export interface ImportNode extends Span {
  readonly kind: 'import';
  /** The path, without quotes. */
  readonly path: string;
}

export interface DefinitionNode extends Span {
  readonly kind: 'definition';
  readonly name: string;
  readonly nameSpan: Span;
  readonly comments: readonly string[];
  readonly members: readonly MemberNode[];
}

export interface PartialNode extends Span {
  readonly kind: 'partial';
  readonly name: string;
  readonly nameSpan: Span;
  readonly comments: readonly string[];
  readonly members: readonly MemberNode[];
}

export type MemberNode = RelationNode | PermissionNode | PartialRefNode;

export interface RelationNode extends Span {
  readonly kind: 'relation';
  readonly name: string;
  readonly nameSpan: Span;
  readonly comments: readonly string[];
  readonly types: readonly TypeRefNode[];
}

export interface TypeRefNode extends Span {
  readonly kind: 'type_ref';
  readonly type: string;
  /** `#rel` or `#...`. */
  readonly relation?: string;
  readonly wildcard: boolean;
  readonly caveat?: string;
  readonly caveatSpan?: Span;
  readonly expiration: boolean;
}

export interface PermissionNode extends Span {
  readonly kind: 'permission';
  readonly name: string;
  readonly nameSpan: Span;
  readonly comments: readonly string[];
  /** `use typechecking` annotation. */
  readonly annotation?: readonly string[];
  /** Absent when the expression could not be parsed at all. */
  readonly expr?: ExprNode;
}

export interface PartialRefNode extends Span {
  readonly kind: 'partial_ref';
  readonly name: string;
}

export type ExprNode =
  | (Span & { readonly kind: 'union' | 'intersection' | 'exclusion'; readonly left: ExprNode; readonly right: ExprNode })
  | (Span & { readonly kind: 'identifier'; readonly name: string })
  | (Span & { readonly kind: 'arrow'; readonly left: ExprNode; readonly right: string; readonly fn: 'arrow' | 'any' | 'all' })
  | (Span & { readonly kind: 'nil' })
  | (Span & { readonly kind: 'self' });

export interface CaveatParamNode extends Span {
  readonly kind: 'caveat_param';
  readonly name: string;
  readonly type: CaveatTypeNode;
}

export interface CaveatTypeNode extends Span {
  readonly kind: 'caveat_type';
  readonly name: string;
  readonly args: readonly CaveatTypeNode[];
}

export interface CaveatNode extends Span {
  readonly kind: 'caveat';
  readonly name: string;
  readonly nameSpan: Span;
  readonly comments: readonly string[];
  readonly params: readonly CaveatParamNode[];
  /** The CEL text between the braces, verbatim (untrimmed). */
  readonly expression: string;
  /** Where `expression` starts in the source. */
  readonly expressionStart: Position;
}
