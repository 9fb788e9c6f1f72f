/**
 * Times a CheckSystem over a question list, cycling through it, and cross-checks every answer it
 * gives (warm-up included) against the reference answers: timing and verification are the same
 * pass, so even a peer too slow to answer every question is verified on each one it answered.
 */
import type { CheckQuestion } from '../datasets/dataset.js';
import type { CheckSystem } from '../systems/check-system.js';
import type { CrossCheckReport } from './results.js';
import { crossCheck } from './cross-check.js';
import { measure, type Measurement, type MeasureOptions } from './measure.js';

/**
 * The warm-up of a loop over a fresh instance or system: at least one pass over the questions.
 * It fills the instance's store page cache (never a result cache), as the warm instance's cache
 * was filled while it answered the questions for the reference.
 */
export function onePass(warmup: number, questions: readonly CheckQuestion[]): number {
  return Math.max(warmup, questions.length);
}

export interface CheckedMeasurement {
  readonly measurement: Measurement;
  /** Undefined when no reference answers were given. */
  readonly report?: CrossCheckReport;
}

export async function measureChecks(
  section: string,
  system: CheckSystem,
  questions: readonly CheckQuestion[],
  reference: readonly boolean[] | undefined,
  options: MeasureOptions,
): Promise<CheckedMeasurement> {
  const n = questions.length;
  const answers: (boolean | undefined)[] = new Array(n);
  // The first wrong answer per question sticks, so a system that is right once and wrong later
  // (a stale cache, say) is still caught.
  const record = (k: number, v: boolean): boolean => {
    if (answers[k] === undefined || !reference || answers[k] === reference[k]) answers[k] = v;
    return v;
  };
  const op = (i: number): boolean | Promise<boolean> => {
    const k = i % n;
    const r = system.check(questions[k] as CheckQuestion);
    return typeof r === 'boolean' ? record(k, r) : r.then((v) => record(k, v));
  };
  const measurement = await measure(op, options);
  if (!reference) return { measurement };
  const asked = answers.flatMap((a, k) => (a === undefined ? [] : [k]));
  const report = crossCheck(
    section,
    system.name,
    asked.map((k) => questions[k] as CheckQuestion),
    asked.map((k) => reference[k] as boolean),
    asked.map((k) => answers[k] as boolean),
  );
  return { measurement, report };
}
