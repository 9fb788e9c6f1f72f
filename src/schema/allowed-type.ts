/** Helpers over allowed subject types shared by the checker, printer and diff. */
import type { AllowedType } from './model.js';

export const ELLIPSIS_RELATION = '...';

/**
 * SpiceDB's `SourceForAllowedRelation`: the text form used in messages and for identity,
 * e.g. `user`, `user:*`, `group#member`, `user with somecaveat`, `user with expiration`.
 * `user#...` is the same subject type as `user`.
 */
export function sourceForAllowedType(t: AllowedType): string {
  let s = t.type;
  if (t.wildcard) s += ':*';
  else if (t.relation !== undefined && t.relation !== ELLIPSIS_RELATION) s += `#${t.relation}`;
  if (t.caveat !== undefined) s += ` with ${t.caveat}`;
  if (t.expiration) s += t.caveat !== undefined ? ' and expiration' : ' with expiration';
  return s;
}

export function sameAllowedType(a: AllowedType, b: AllowedType): boolean {
  return sourceForAllowedType(a) === sourceForAllowedType(b);
}
