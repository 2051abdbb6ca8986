/**
 * The neutral question the overlay's baseline comes from. Every question attends more to the blocks next to it
 * and to some blocks wherever they are (file headers, the start of the context); asking a question that names
 * nothing at the same place in the same prompt measures that share, and the overlay shows how much more the real
 * question read each block than the neutral one did (selectedBlocks.ts).
 */
import type { TextTokenizer } from '../tokenizer/tokenizer';
import { firstTokenAtOrAfter } from './selectedBlocks';

/** Names no identifier, file or value, so what it reads is what any question at that place reads. */
export const NEUTRAL_QUESTION = 'What does this code do?';

export interface BaselinePrompt {
  prompt: number[];
  /** The neutral question's tokens: the rows whose attention is measured. */
  questionFrom: number;
  questionTo: number;
}

/** `promptText` with the characters [questionOffset, questionEnd) replaced by the neutral question. */
export function neutralPromptText(promptText: string, questionOffset: number, questionEnd: number): string {
  if (!(questionOffset >= 0 && questionEnd >= questionOffset && questionEnd <= promptText.length)) {
    throw new Error(`The question's place in the prompt [${questionOffset}, ${questionEnd}) lies outside its ${promptText.length} characters.`);
  }
  return promptText.slice(0, questionOffset) + NEUTRAL_QUESTION + promptText.slice(questionEnd);
}

/** The neutral prompt's tokens (of neutralPromptText, with character spans) and its question rows. */
export function baselineFromTokens(ids: number[], spans: Int32Array, questionOffset: number): BaselinePrompt {
  const questionFrom = firstTokenAtOrAfter(spans, questionOffset);
  const questionTo = Math.max(questionFrom + 1, firstTokenAtOrAfter(spans, questionOffset + NEUTRAL_QUESTION.length));
  return { prompt: ids, questionFrom, questionTo };
}

/**
 * The neutral prompt of `promptText`, tokenized the same way (the `literal` range, e.g. the repository context,
 * lies before the question and is unchanged).
 */
export function neutralBaselinePrompt(
  tokenizer: Pick<TextTokenizer, 'encodeWithOffsets'>, promptText: string, questionOffset: number, questionEnd: number, literal?: [number, number],
): BaselinePrompt {
  const text = neutralPromptText(promptText, questionOffset, questionEnd);
  if (literal && literal[1] > questionOffset) throw new Error('The literal range must end before the question.');
  const { ids, spans } = tokenizer.encodeWithOffsets(text, literal ? { literal } : undefined);
  return baselineFromTokens(ids, spans, questionOffset);
}
