/**
 * What the side-by-side comparison needs from any system that answers permission questions:
 * Trellis, the hand-written recursive SQL, casbin and cedar all implement it.
 */
import type { CheckQuestion } from '../datasets/dataset.js';

export interface CheckSystem {
  readonly name: string;
  /** Synchronous systems return a boolean directly, so no await is charged to them. */
  check(q: CheckQuestion): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** The docs permissions every peer must know how to answer. */
export function docsPermission(permission: string): 'view' | 'edit' {
  if (permission !== 'view' && permission !== 'edit') throw new RangeError(`the docs model has no permission ${permission}`);
  return permission;
}
