/**
 * Lookup resources and lookup subjects: latency per call and results streamed per second, with
 * every returned resource verified against the docs oracle where one applies.
 */
import type { ObjectRef, SubjectRef } from '../../src/core/index.js';
import type { DocsGraph } from '../datasets/docs-graph.js';
import { measure, type MeasureOptions } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import type { Trellis } from '../systems/trellis-system.js';

export async function countLookupResources(
  trellis: Trellis,
  resourceType: string,
  permission: string,
  subject: SubjectRef,
  onResult?: (id: string) => void,
): Promise<number> {
  let n = 0;
  for await (const r of trellis.lookupResources({ resourceType, permission, subject })) {
    n++;
    onResult?.(r.resourceId);
  }
  return n;
}

export async function countLookupSubjects(trellis: Trellis, resource: ObjectRef, permission: string, subjectType: string): Promise<number> {
  let n = 0;
  for await (const _ of trellis.lookupSubjects({ resource, permission, subjectType })) n++;
  return n;
}

/** LR(document, view, subject) over a rotating list of subjects. */
export async function measureLookupResources(
  rec: Recorder,
  ctx: RowContext,
  trellis: Trellis,
  subjects: readonly SubjectRef[],
  graph: DocsGraph | undefined,
  opts: MeasureOptions,
  name = 'trellis lookup resources (document view)',
  resourceType = 'document',
  permission = 'view',
): Promise<void> {
  let results = 0;
  let wrong = 0;
  const m = await measure(
    async (i) => {
      const subject = subjects[i % subjects.length] as SubjectRef;
      results += await countLookupResources(trellis, resourceType, permission, subject, (id) => {
        if (graph && !graph.check({ resource: { type: resourceType, id }, permission, subject })) wrong++;
      });
    },
    { ...opts, warmup: Math.min(opts.warmup, 3) },
  );
  const perCall = results / Math.max(1, m.operations + Math.min(opts.warmup, 3));
  rec.add(
    measuredRow(ctx, name, 'trellis', m, {
      unit: 'results/s',
      itemsPerOp: perCall,
      note: `${perCall.toFixed(1)} results per call; latency per call`,
      ...(wrong > 0 ? { status: 'disagrees' as const, note: `${wrong} results the docs oracle denies` } : {}),
    }),
  );
}

/** LS(resource, permission, user) over a rotating list of resources. */
export async function measureLookupSubjects(
  rec: Recorder,
  ctx: RowContext,
  trellis: Trellis,
  resources: readonly ObjectRef[],
  opts: MeasureOptions,
  name = 'trellis lookup subjects (view, user)',
  permission = 'view',
): Promise<void> {
  let results = 0;
  const warmup = Math.min(opts.warmup, 3);
  const m = await measure(
    async (i) => {
      results += await countLookupSubjects(trellis, resources[i % resources.length] as ObjectRef, permission, 'user');
    },
    { ...opts, warmup },
  );
  const perCall = results / Math.max(1, m.operations + warmup);
  rec.add(
    measuredRow(ctx, name, 'trellis', m, {
      unit: 'subjects/s',
      itemsPerOp: perCall,
      note: `${perCall.toFixed(1)} subjects per call; latency per call`,
    }),
  );
}
