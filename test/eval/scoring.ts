/**
 * Scoring of one evaluated answer, kept free of I/O so a unit test pins it down:
 * - context hit: a packed chunk covers the answer's lines (retrieval worked);
 * - citation precision: citations that land on the answer (same file, within a few lines) over all citations;
 * - overlay hit@3: one of the three highest-scored overlay ranges covers the answer's lines;
 * - answer match: the answer names what was asked for (identifier or value) and the answer's file.
 */

export interface LineRange {
  file: string;
  startLine: number;
  endLine: number;
}

/** How far (in lines) a citation may sit from the answer and still count as pointing at it. */
export const CITATION_SLACK_LINES = 5;

export function overlaps(a: LineRange, b: LineRange, slack = 0): boolean {
  return a.file === b.file && a.startLine <= b.endLine + slack && b.startLine <= a.endLine + slack;
}

/** 1-based line of the first match of `pattern` in `text`, or undefined. */
export function lineOfMatch(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function contextHit(chunks: LineRange[], answer: LineRange): boolean {
  return chunks.some((c) => overlaps(c, answer));
}

export function citationCounts(citations: LineRange[], answer: LineRange): { correct: number; total: number } {
  return { correct: citations.filter((c) => overlaps(c, answer, CITATION_SLACK_LINES)).length, total: citations.length };
}

/** `ranges` best first. */
export function overlayHitAt(ranges: LineRange[], answer: LineRange, k = 3): boolean {
  return ranges.slice(0, k).some((r) => overlaps(r, answer));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `word` appears in `text` not as part of a longer identifier. */
export function namesWord(text: string, word: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(word)}(?![A-Za-z0-9_])`).test(text);
}

/** The answer names one of the expected identifiers/values and the answer's file (by its base name). */
export function answerMatch(answer: string, expect: string | string[], file: string): boolean {
  const wanted = Array.isArray(expect) ? expect : [expect];
  const base = file.split('/').pop() ?? file;
  return wanted.some((w) => namesWord(answer, w)) && namesWord(answer, base);
}

export interface ScoredAnswer {
  contextHit: boolean;
  citations: { correct: number; total: number };
  overlayHit3: boolean;
  answerMatch: boolean;
  stopReason: string;
}

export interface EvalSummary {
  n: number;
  contextHitRate: number;
  citationPrecision: number;
  /** Over the answers whose lines were packed (an overlay cannot show what is not in the context). */
  overlayHit3: number;
  answerMatch: number;
  stopReasons: Record<string, number>;
  lengthStopRate: number;
}

const rate = (num: number, den: number) => (den > 0 ? num / den : 0);

export function summarise(scored: ScoredAnswer[]): EvalSummary {
  const packed = scored.filter((s) => s.contextHit);
  const stopReasons: Record<string, number> = {};
  for (const s of scored) stopReasons[s.stopReason] = (stopReasons[s.stopReason] ?? 0) + 1;
  const correct = scored.reduce((n, s) => n + s.citations.correct, 0);
  const total = scored.reduce((n, s) => n + s.citations.total, 0);
  return {
    n: scored.length,
    contextHitRate: rate(packed.length, scored.length),
    citationPrecision: rate(correct, total),
    overlayHit3: rate(packed.filter((s) => s.overlayHit3).length, packed.length),
    answerMatch: rate(scored.filter((s) => s.answerMatch).length, scored.length),
    stopReasons,
    lengthStopRate: rate(stopReasons.length ?? 0, scored.length),
  };
}

/**
 * Last line of the definition that starts at `line` (1-based): for Python, up to the last line indented deeper than
 * the `def`/`class` (a signature's closing `)` line included); for brace languages, up to the first line that
 * closes a brace at the definition's own indentation. Where the answer is a definition, the overlay hits when it
 * shows any part of it, the body included.
 */
export function definitionEnd(text: string, line: number): number {
  const lines = text.split('\n');
  const head = lines[line - 1] ?? '';
  const indent = head.length - head.trimStart().length;
  let end = line;
  if (/^\s*(async\s+)?(def|class)\s/.test(head)) {
    for (let i = line; i < lines.length; i++) {
      const l = lines[i];
      if (l.trim() === '') continue;
      const ind = l.length - l.trimStart().length;
      if (ind <= indent && !/^\s*[)\]]/.test(l)) break;
      end = i + 1;
    }
    return end;
  }
  for (let i = line - 1; i < lines.length; i++) {
    const l = lines[i];
    const ind = l.length - l.trimStart().length;
    if (i > line - 1 && ind === indent && /^\s*\}/.test(l)) return i + 1;
    if (i === line - 1 && /\}\s*;?\s*$/.test(l) && (l.match(/\{/g) ?? []).length <= (l.match(/\}/g) ?? []).length) return line;
  }
  return line;
}
