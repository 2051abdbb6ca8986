/**
 * Builds the chat prompt of a repository question: a system message that asks for answers grounded in
 * the context with `file:line` citations, then one user message holding the packed context and, last,
 * the question (the question last keeps it next to the answer, and its queries are the ones whose
 * sparse-attention selection we report).
 */
import { renderChat, ChatMessage } from '../tokenizer/chatTemplate';
import type { TextTokenizer } from '../tokenizer/tokenizer';

export type AskMode = 'ask' | 'explain' | 'analyze';

export const SYSTEM_PROMPT =
  'You are a code assistant inside an editor. Answer from the repository context below. ' +
  'Each piece of code starts with a header line such as "// path/to/file.py:120-140". ' +
  'When you rely on a piece of code, cite it as path/to/file.py:LINE, taken from its header. ' +
  'Do not repeat yourself. If the context does not contain the answer, say so.';

/** Asked after a plain question: the answer the editor shows is one short paragraph (decoding stops at its end). */
export const SHORT_ANSWER_HINT = 'Answer in one short paragraph: name the function, class or value and cite its path:LINE.';

/** The instruction placed after the context for each request kind. */
export function questionText(mode: AskMode, question: string): string {
  switch (mode) {
    case 'explain':
      return `Explain what the selected code does, how it works and how it is used elsewhere. ${question}`.trim();
    case 'analyze':
      return `Analyze this code: give a short summary, its structure and dependencies, and any risky code (bugs, unsafe input handling, resource leaks). ${question}`.trim();
    default:
      return `${question}\n${SHORT_ANSWER_HINT}`;
  }
}

/** Text that frames the packed context inside the user message; the overhead counts against the budget. */
const CONTEXT_HEADER = 'Repository context:\n\n';
const QUESTION_HEADER = '\n\nQuestion: ';

export interface BuiltPrompt {
  prompt: string;
  /** Where the packed context text begins inside `prompt`. */
  contextOffset: number;
  /** Where the question's own words begin and end inside `prompt`: the rows whose attention the overlay shows. */
  questionOffset: number;
  questionEnd: number;
}

/** The chat messages of a repository question (a remote endpoint applies its own chat template to them). */
export function askMessages(contextText: string, question: string, mode: AskMode = 'ask'): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `${CONTEXT_HEADER}${contextText}${QUESTION_HEADER}${questionText(mode, question)}` },
  ];
}

export function buildAskPrompt(tokenizer: TextTokenizer, contextText: string, question: string, mode: AskMode = 'ask'): BuiltPrompt {
  const messages = askMessages(contextText, question, mode);
  const bosToken = tokenizer.bos !== undefined ? tokenizer.decode([tokenizer.bos]) : '';
  const prompt = renderChat(tokenizer.chatTemplate, messages, { addGenerationPrompt: true, bosToken });
  const marker = prompt.indexOf(CONTEXT_HEADER + contextText);
  const contextOffset = marker >= 0 ? marker + CONTEXT_HEADER.length : Math.max(0, prompt.indexOf(contextText));
  const asked = mode === 'ask' ? question : questionText(mode, question);
  const headerAt = prompt.indexOf(QUESTION_HEADER + asked, contextOffset + contextText.length);
  const questionOffset = headerAt >= 0 ? headerAt + QUESTION_HEADER.length : prompt.length;
  return { prompt, contextOffset, questionOffset, questionEnd: headerAt >= 0 ? questionOffset + asked.length : prompt.length };
}

/** Tokens the prompt adds around the context (system message, template markers, question). */
export function promptOverheadTokens(tokenizer: TextTokenizer, question: string, mode: AskMode = 'ask'): number {
  return tokenizer.encode(buildAskPrompt(tokenizer, '', question, mode).prompt).length;
}
