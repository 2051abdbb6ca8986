/**
 * Messages between the answer panel's host (answerPanel.ts) and its webview script (media/answerPanel.js).
 * Kept free of `vscode` imports: the webview bundle and the unit tests read it too.
 */
import type { AnswerDelta, AnswerResult } from '../../server/protocol/protocol';

export type ToAnswerWebview =
  | { type: 'start'; title: string; question: string }
  | { type: 'delta'; delta: AnswerDelta }
  | { type: 'done'; result: AnswerResult }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

export type FromAnswerWebview =
  | { type: 'ready' }
  | { type: 'openCitation'; file: string; startLine: number; endLine?: number }
  | { type: 'openLink'; href: string };

/**
 * Where `file:line` and `file:start-end` mentions sit in answer text; the webview turns them into links.
 * The file part needs an extension so that times like 12:30 or URLs' ports are not taken for citations.
 */
export const CITATION_PATTERN = /(?<![\w/.:-])((?:[\w.-]+\/)*[\w.-]+\.[A-Za-z][\w]{0,9}):(\d+)(?:-(\d+))?/g;

export interface CitationMention { file: string; startLine: number; endLine: number; index: number; length: number }

export function findCitations(text: string): CitationMention[] {
  const out: CitationMention[] = [];
  for (const m of text.matchAll(CITATION_PATTERN)) {
    const startLine = Number(m[2]);
    const endLine = m[3] ? Number(m[3]) : startLine;
    if (startLine < 1 || endLine < startLine) continue;
    out.push({ file: m[1], startLine, endLine, index: m.index ?? 0, length: m[0].length });
  }
  return out;
}
