// Plain line windows: how files without a parser are indexed, and how code outside any definition is chunked.
// Kept apart from the tree-sitter parser so that the main thread can index a file as text (a question that needs it
// before its parse lands) without loading the parser.
import { termTableFor } from './chunkTerms';
import type { ChunkRecord, ParsedContent } from './fileRecord';

/** Lines per window chunk for text outside definitions. */
export const WINDOW_LINES = 40;

/** A file as text: WINDOW_LINES windows over its non-blank lines, with their terms. */
export function textContent(lines: string[]): ParsedContent {
  const chunks = windowChunks(lines, [], 1, lines.length);
  return { language: 'text', lineCount: lines.length, defs: [], refs: {}, imports: [], chunks, termTable: termTableFor(lines, chunks) };
}

/** Windows of WINDOW_LINES over the lines of [from, to] that no definition covers and that are not blank. */
export function windowChunks(lines: string[], covered: { startLine: number; endLine: number }[], from: number, to: number): ChunkRecord[] {
  const isCovered = new Uint8Array(to + 2);
  for (const d of covered) for (let l = d.startLine; l <= Math.min(d.endLine, to); l++) isCovered[l] = 1;
  const chunks: ChunkRecord[] = [];
  let start = 0;
  const flush = (end: number) => {
    if (!start) return;
    // Trim blank lines at both ends so windows start and end on content.
    let s = start; let e = end;
    while (s <= e && !lines[s - 1].trim()) s++;
    while (e >= s && !lines[e - 1].trim()) e--;
    if (s <= e) chunks.push({ kind: 'window', startLine: s, endLine: e, length: 0 });
    start = 0;
  };
  for (let l = from; l <= to; l++) {
    if (isCovered[l]) { flush(l - 1); continue; }
    if (!start) start = l;
    if (l - start + 1 >= WINDOW_LINES) flush(l);
  }
  flush(to);
  return chunks;
}

/** Lines of a text; '\r\n' and '\n' both end a line; a final newline does not start an extra line. */
export function splitLines(text: string): string[] {
  if (!text) return [''];
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
