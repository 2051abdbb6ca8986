/**
 * The evaluation questions: each names where its answer is in real public code fetched at a pinned version
 * (corpora.ts). The answer line is found by a pattern at run time, so a wrong pattern fails loudly instead of
 * scoring against a stale line number. Kinds: where a symbol is defined, who calls a function, which file reads a
 * configuration key, and the value of a constant. The lists live one per corpus (flaskQuestions.ts,
 * expressQuestions.ts); questions.test.ts checks that every pattern finds exactly one line of a file that exists.
 */

import { EXPRESS_QUESTIONS } from './expressQuestions';
import { FLASK_QUESTIONS } from './flaskQuestions';

export type QuestionKind = 'definition' | 'caller' | 'config' | 'constant';

export interface EvalQuestion {
  id: string;
  corpus: 'flask' | 'express';
  kind: QuestionKind;
  question: string;
  /** File that holds the answer, relative to the corpus root. */
  file: string;
  /** Matches the answer line (the first match in the file). */
  pattern: RegExp;
  /** Lines after the matched one that still belong to the answer (a definition's first lines). */
  extraLines?: number;
  /** What a correct answer names: an identifier or a value (any of several, matched as a whole word). */
  expect: string | string[];
  /** Packs this folder's code around the answer (the long-context probes fill their budget with it). */
  focusFolder?: string;
}

export const QUESTIONS: EvalQuestion[] = [...FLASK_QUESTIONS, ...EXPRESS_QUESTIONS];
