// Plain line windows: how files without a parser are indexed, and how code outside any definition is chunked.
// Kept apart from the tree-sitter parser so that the main thread can index a file as text (a question that needs it
// before its parse lands) without loading the parser.
import { termTableFor } from './chunkTerms';
import { noRefs, type ChunkRecord, type ParsedContent } from './fileRecord';
import { objectArray } from './objectArrays';

/** Lines per window chunk for text outside definitions. */
export const WINDOW_LINES = 40;

/** A file as text: WINDOW_LINES windows over its non-blank lines, with their terms. */
export function textContent(lines: TextLines): ParsedContent {
  const chunks = windowChunks(lines, objectArray(), 1, lines.count);
  return { language: 'text', lineCount: lines.count, defs: objectArray(), refs: noRefs(), imports: objectArray(), chunks, termTable: termTableFor(lines, chunks) };
}

/**
 * Windows of WINDOW_LINES over the lines of [from, to] that no definition covers and that are not blank. Plain loops
 * over numbers: this runs on every line of every file, in each index worker.
 */
export function windowChunks(lines: TextLines, covered: readonly { startLine: number; endLine: number }[], from: number, to: number): ChunkRecord[] {
  const isCovered = new Uint8Array(to + 2);
  for (let k = 0, n = covered.length; k < n; k++) {
    const end = Math.min(covered[k].endLine, to);
    for (let l = covered[k].startLine; l <= end; l++) isCovered[l] = 1;
  }
  const windows: number[] = [];   // [start, end] pairs of untrimmed windows
  let start = 0;
  for (let l = from; l <= to; l++) {
    if (isCovered[l] === 1) {
      if (start) { windows.push(start, l - 1); start = 0; }
      continue;
    }
    if (!start) start = l;
    if (l - start + 1 >= WINDOW_LINES) { windows.push(start, l); start = 0; }
  }
  if (start) windows.push(start, to);
  // Trim blank lines at both ends so windows start and end on content.
  const chunks = objectArray<ChunkRecord>();
  for (let w = 0; w < windows.length; w += 2) {
    let s = windows[w]; let e = windows[w + 1];
    while (s <= e && lines.isBlank(s)) s++;
    while (e >= s && lines.isBlank(e)) e--;
    if (s <= e) chunks.push({ kind: 'window', startLine: s, endLine: e, length: 0 });
  }
  return chunks;
}

/**
 * A text's lines as offsets into it, without a string per line (a million lines were a million strings to allocate
 * and collect): line k (1-based) is text[start(k), end(k)). The same lines as splitLines.
 */
export class TextLines {
  /** starts[k - 1] is where line k starts; starts[count] is text.length + 1 (one past the last line's newline). */
  readonly starts: Int32Array;
  readonly count: number;

  constructor(readonly text: string) {
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) count++;
    const starts = new Int32Array(count + 1);
    let k = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    starts[count] = text.length + 1;
    this.starts = starts;
    this.count = count;
  }

  start(line: number): number { return this.starts[line - 1]; }

  /** Where line `line` ends: before its newline, and before a carriage return in front of that newline. */
  end(line: number): number {
    const text = this.text;
    const e = line < this.count ? this.starts[line] - 1 : text.charCodeAt(text.length - 1) === 10 ? text.length - 1 : text.length;
    // (Never a read past the end: charCodeAt out of bounds throws optimized code away. And no `e--` under the
    // condition: an operation first run on a build's first CRLF file does the same.)
    const crlf = e > this.starts[line - 1] && e < text.length && text.charCodeAt(e) === 10 && text.charCodeAt(e - 1) === 13;
    return e - (crlf ? 1 : 0);
  }

  line(line: number): string { return this.text.slice(this.start(line), this.end(line)); }

  /** Whether line `line` is empty or white space only (what `!line.trim()` says). */
  isBlank(line: number): boolean {
    const text = this.text;
    for (let i = this.start(line), e = this.end(line); i < e; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || (c >= 9 && c <= 13)) continue;
      if (c < 128 || !isUnicodeSpace(c)) return false;
    }
    return true;
  }
}

/** JavaScript's `\s` above ASCII: no-break, Ogham, en quad to hair, line and paragraph separators, narrow no-break, math, ideographic spaces and the BOM. */
function isUnicodeSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Lines of a text; '\r\n' and '\n' both end a line; a final newline does not start an extra line. */
export function splitLines(text: string): string[] {
  if (!text) return [''];
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
