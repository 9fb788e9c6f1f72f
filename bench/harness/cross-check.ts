/**
 * Compares a system's answers with the reference answers (Trellis's) question by question, so a
 * fast wrong answer can never win a comparison: a system that disagrees anywhere is reported and
 * excluded from ratios and targets.
 */
import type { CrossCheckReport } from './results.js';
import { questionText, type CheckQuestion } from '../datasets/dataset.js';

export function crossCheck(
  section: string,
  system: string,
  questions: readonly CheckQuestion[],
  reference: readonly boolean[],
  answers: readonly boolean[],
): CrossCheckReport {
  if (reference.length !== questions.length || answers.length !== questions.length) {
    throw new RangeError(
      `${system}: ${answers.length} answers and ${reference.length} reference answers for ${questions.length} questions`,
    );
  }
  const examples: string[] = [];
  let disagreements = 0;
  questions.forEach((q, i) => {
    if (reference[i] !== answers[i]) {
      disagreements++;
      if (examples.length < 5) examples.push(`${questionText(q)}: reference ${String(reference[i])}, ${system} ${String(answers[i])}`);
    }
  });
  return { section, system, questions: questions.length, disagreements, examples };
}

/** Asks every question once, sequentially, outside any timing. */
export async function answerAll(
  questions: readonly CheckQuestion[],
  ask: (q: CheckQuestion) => boolean | Promise<boolean>,
): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const q of questions) out.push(await ask(q));
  return out;
}
