/** Transactional writes: one TOUCH of a new relationship per transaction, sequentially. */
import type { MeasureOptions } from '../harness/measure.js';
import { measure } from '../harness/measure.js';
import type { Recorder } from '../harness/recorder.js';
import { measuredRow, type RowContext } from '../harness/rows.js';
import type { Trellis } from '../systems/trellis-system.js';

export async function measureWrites(rec: Recorder, ctx: RowContext, trellis: Trellis, size: number, opts: MeasureOptions): Promise<void> {
  const m = await measure(
    (i) =>
      trellis.write({
        updates: [
          {
            operation: 'touch',
            relationship: {
              resource: { type: 'document', id: `written-${size}-${i}` },
              relation: 'viewer',
              subject: { type: 'user', id: `u${i % 97}` },
            },
          },
        ],
      }),
    { ...opts, warmup: Math.min(opts.warmup, 10) },
  );
  rec.add(measuredRow(ctx, 'trellis write (1 touch per transaction)', 'trellis', m, { unit: 'writes/s' }));
}
