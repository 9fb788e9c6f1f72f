/**
 * The compiled schema: an immutable, typed model produced by the compiler (compile.ts)
 * and consumed by the engine, the store's orphan checks and the printer.
 * Maps preserve the order in which things were written in the source.
 */
import type { SourcePosition } from '../core/index.js';
import type { CaveatParameterType, CompiledCaveat } from '../caveats/index.js';

export type UseFlag = 'expiration' | 'self' | 'typechecking' | 'partial';

export interface Schema {
  readonly definitions: ReadonlyMap<string, Definition>;
  readonly caveats: ReadonlyMap<string, CaveatDefinition>;
  /** `use` flags the source declared. */
  readonly flags: ReadonlySet<UseFlag>;
}

export interface Definition {
  readonly kind: 'definition';
  readonly name: string;
  /** Doc comment text (the `/** … *\/` block, verbatim, without the delimiters' indentation). */
  readonly comment?: string;
  /** Relations and permissions, in source order. Names are unique across both. */
  readonly members: ReadonlyMap<string, Relation | Permission>;
  readonly position?: SourcePosition;
}

export interface Relation {
  readonly kind: 'relation';
  readonly name: string;
  readonly definition: string;
  readonly comment?: string;
  readonly allowedTypes: readonly AllowedType[];
  readonly position?: SourcePosition;
}

/**
 * One allowed subject type of a relation:
 * `user` (relation absent), `group#member`, `group#...` (relation '...'), `user:*` (wildcard),
 * each optionally `with caveat`, `with expiration`, `with caveat and expiration`.
 */
export interface AllowedType {
  readonly type: string;
  /** Subject relation; absent for a plain subject. `'...'` when written explicitly as `#...`. */
  readonly relation?: string;
  readonly wildcard: boolean;
  readonly caveat?: string;
  readonly expiration: boolean;
}

export interface Permission {
  readonly kind: 'permission';
  readonly name: string;
  readonly definition: string;
  readonly comment?: string;
  readonly expression: PermissionExpr;
  /** `use typechecking` annotation (`permission p: user | group = …`), when written. */
  readonly typeAnnotation?: readonly string[];
  readonly position?: SourcePosition;
}

/** Permission expressions. Union and intersection are n-ary; exclusion is binary. */
export type PermissionExpr =
  | { readonly kind: 'union'; readonly children: readonly PermissionExpr[] }
  | { readonly kind: 'intersection'; readonly children: readonly PermissionExpr[] }
  | { readonly kind: 'exclusion'; readonly base: PermissionExpr; readonly subtract: PermissionExpr }
  /** A relation or permission of the same definition. */
  | { readonly kind: 'computed'; readonly name: string }
  /** `tupleset->computed` (`any`, also written `.any(computed)`) or `tupleset.all(computed)`. */
  | {
      readonly kind: 'arrow';
      readonly tupleset: string;
      readonly computed: string;
      readonly mode: 'any' | 'all';
      /** Written `tupleset.any(computed)` rather than `tupleset->computed` (same meaning; kept for printing). */
      readonly explicitAny?: true;
    }
  | { readonly kind: 'nil' }
  | { readonly kind: 'self' };

export interface CaveatDefinition {
  readonly kind: 'caveat';
  readonly name: string;
  readonly comment?: string;
  /** Parameters in source order. */
  readonly parameters: ReadonlyMap<string, CaveatParameterType>;
  /** The CEL expression text, trimmed. */
  readonly expression: string;
  readonly compiled: CompiledCaveat;
  readonly position?: SourcePosition;
}

export function getMember(schema: Schema, definition: string, name: string): Relation | Permission | undefined {
  return schema.definitions.get(definition)?.members.get(name);
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
