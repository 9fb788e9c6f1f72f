/**
 * Explain traces: turns the walk's raw per-resource evidence into `CheckTrace` trees, evaluating
 * each node's carried caveats with the request context so every node says why it was decided.
 */
import type { JsonObject } from '../core/index.js';
import type { Schema } from '../schema/index.js';
import { evaluateOutcomeCaveats, resolveOutcome } from './caveat-eval.js';
import type { RawTrace } from './dispatch.js';
import type { CheckTrace } from './types.js';

export function buildTrace(schema: Schema, raw: RawTrace, context: JsonObject | undefined, seen: Set<RawTrace> = new Set()): CheckTrace {
  // Traces can share nodes (one sub-problem feeding several parents); cut repeats on a path.
  seen.add(raw);
  const resolved =
    raw.outcome?.kind === 'depth' ? { permissionship: 'no_permission' as const } : resolveOutcome(schema, raw.outcome, context);
  const o = raw.outcome;
  const caveat = o?.kind === 'caveated' && o.expr.kind === 'caveat' ? o.expr : undefined;
  let caveatTrace: CheckTrace['caveat'];
  if (caveat && o?.kind === 'caveated') {
    const def = schema.caveats.get(caveat.name);
    const r = evaluateOutcomeCaveats(schema, o, context);
    caveatTrace = {
      name: caveat.name,
      expression: def?.expression ?? '',
      result: r.kind === 'partial' ? 'missing_context' : r.kind,
      context: { ...(context ?? {}), ...(caveat.context ?? {}) },
      ...(r.kind === 'partial' ? { missing: r.missing } : {}),
    };
  }
  const children: CheckTrace[] = [];
  for (const c of raw.children) if (!seen.has(c)) children.push(buildTrace(schema, c, context, seen));
  seen.delete(raw);
  return {
    resource: { type: raw.resourceType, id: raw.resourceId },
    permission: raw.relation,
    permissionType: raw.permissionType,
    subject: raw.subject,
    result: resolved.permissionship,
    ...(caveatTrace ? { caveat: caveatTrace } : {}),
    ...(raw.permissionType === 'relation' || raw.relationships.length > 0 ? { relationships: raw.relationships } : {}),
    wasCached: raw.wasCached,
    durationMs: raw.durationMs,
    children,
  };
}
