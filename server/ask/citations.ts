/**
 * Citations of an answer: the `file:line` mentions the model wrote that point into the context it was
 * given; when it wrote none (small models often do not), the context chunks whose identifiers the
 * answer uses, best ranked first.
 */
import { CITATION_PATTERN } from '../../common/citationPattern';
import type { PackedContext } from '../context/buildContext';
import type { SourceRange } from '../protocol/protocol';

export interface CitableChunk {
  file: string;
  startLine: number;
  endLine: number;
  score: number;
  text: string;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]{2,}/g;
const STOPWORDS = new Set(['the', 'and', 'for', 'this', 'that', 'with', 'from', 'are', 'its', 'into', 'which', 'will', 'not', 'can', 'has', 'have', 'function', 'return', 'code', 'file', 'line', 'lines', 'value', 'you', 'when', 'then', 'there', 'uses', 'used', 'use', 'all', 'also', 'each', 'other', 'more', 'than', 'does', 'how']);

/** Finds the context file a mention refers to: the same path, or one path ending with the other. */
function matchFile(mention: string, files: string[]): string | undefined {
  const m = mention.replace(/\\/g, '/').replace(/^\.\//, '');
  return files.find((f) => f === m) ?? files.find((f) => f.endsWith('/' + m)) ?? files.find((f) => m.endsWith('/' + f));
}

/** `file:line` mentions that land inside a context chunk of that file. */
export function parseCitations(answer: string, chunks: CitableChunk[]): SourceRange[] {
  const files = [...new Set(chunks.map((c) => c.file))];
  const out: SourceRange[] = [];
  const seen = new Set<string>();
  for (const m of answer.matchAll(CITATION_PATTERN)) {
    const file = matchFile(m[1], files);
    if (!file) continue;
    let start = parseInt(m[2], 10);
    let end = m[3] ? parseInt(m[3], 10) : start;
    if (end < start) [start, end] = [end, start];
    const inChunk = chunks.some((c) => c.file === file && start <= c.endLine && end >= c.startLine);
    if (!inChunk) continue;
    const key = `${file}:${start}-${end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, startLine: start, endLine: end });
  }
  return out;
}

function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.match(WORD) ?? []) {
    const lower = w.toLowerCase();
    if (!STOPWORDS.has(lower)) out.add(lower);
  }
  return out;
}

/** Chunks whose identifiers the answer shares, by overlap then rank; the top-ranked chunk if none overlap. */
export function fallbackCitations(answer: string, chunks: CitableChunk[], max = 3): SourceRange[] {
  if (chunks.length === 0) return [];
  const answerWords = words(answer);
  const scored = chunks.map((c, i) => {
    let overlap = 0;
    for (const w of words(c.text)) if (answerWords.has(w)) overlap++;
    return { c, i, overlap };
  });
  const overlapping = scored.filter((s) => s.overlap > 0).sort((a, b) => b.overlap - a.overlap || b.c.score - a.c.score || a.i - b.i);
  const picked = overlapping.length ? overlapping.slice(0, max) : [scored.slice().sort((a, b) => b.c.score - a.c.score || a.i - b.i)[0]];
  return picked.map(({ c }) => ({ file: c.file, startLine: c.startLine, endLine: c.endLine }));
}

export function citationsFor(answer: string, chunks: CitableChunk[]): SourceRange[] {
  const explicit = parseCitations(answer, chunks);
  return explicit.length ? explicit : fallbackCitations(answer, chunks);
}

/** The packed chunks with their own text, as citations are checked against them. */
export function citableChunks(packed: PackedContext): CitableChunk[] {
  return packed.chunks.map((c) => ({ file: c.file, startLine: c.startLine, endLine: c.endLine, score: c.score, text: packed.text.slice(c.charStart, c.charEnd) }));
}
