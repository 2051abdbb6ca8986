/**
 * Messages between the answer panel's host (answerPanel.ts) and its webview script (media/answerPanel.js).
 * Kept free of `vscode` imports: the webview bundle and the unit tests read it too.
 */
import { CITATION_PATTERN } from '../../common/citationPattern';
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

/** Where citation mentions (../../common/citationPattern.ts) sit in answer text; the webview turns them into links. */
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
