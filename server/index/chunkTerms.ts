// BM25 terms of a file's chunks, from the chunk ranges and the file's lines. A chunk's terms come from its own
// lines only, not from the chunks nested in it (a class's terms are its declaration and fields, its methods have
// theirs): a word gets one entry per place it is written, not one per nesting level, which keeps big files cheap
// and the scores honest. Computed after parsing and again on a cache hit (the cache stores ranges, not terms, which
// keeps its entries small and cheap to write).
import type { ChunkRecord } from './fileRecord';
import { TermTableBuilder, type FileTermTable } from './fileTermTable';
import type { TextLines } from './lineWindows';
import { identifierTerms } from './terms';
import { WordSlots } from './wordSlots';
import { nativeIndexing } from './nativeIndexing';

/** Per ASCII code: 1 can start an identifier ([A-Za-z_$]), 2 can only continue one ([0-9]); see terms.ts. */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CHAR_CLASS[c] = /[A-Za-z_$]/.test(ch) ? 1 : /[0-9]/.test(ch) ? 2 : 0;
}

/**
 * The term table of `chunks` over the lines of a file; also sets each chunk's `length` (its number of terms). In C++
 * where the addon has the indexing helpers (about five times faster), else in JavaScript (termTableInScript).
 */
export function termTableFor(lines: TextLines, chunks: ChunkRecord[]): FileTermTable {
  const native = nativeIndexing();
  if (!native) return termTableInScript(lines, chunks);
  const starts = new Int32Array(chunks.length);
  const ends = new Int32Array(chunks.length);
  for (let i = 0; i < chunks.length; i++) { starts[i] = chunks[i].startLine; ends[i] = chunks[i].endLine; }
  const { lengths, ...table } = native.termTable(lines.text, starts, ends);
  for (let i = 0; i < chunks.length; i++) chunks[i].length = lengths[i];
  return table;
}

/** termTableFor in JavaScript: the fallback, and what the native helper is tested against. */
export function termTableInScript(lines: TextLines, chunks: ChunkRecord[]): FileTermTable {
  const nodes = chunks.map((c, i) => ({ i, start: c.startLine, end: c.endLine, children: [] as { start: number; end: number }[] }));
  const order = [...nodes].sort((a, b) => a.start - b.start || b.end - a.end || a.i - b.i);
  const stack: typeof nodes = [];
  for (const n of order) {
    while (stack.length && stack[stack.length - 1].end < n.end) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent && parent.start <= n.start && n.end <= parent.end) parent.children.push(n);
    stack.push(n);
  }
  const scanner = new LineTermScanner(lines);
  const last = lines.count;
  for (const n of nodes) {
    let length = 0;
    let line = n.start;
    for (const c of n.children) {   // direct children, in source order, not overlapping each other
      if (line < c.start) length += scanner.scan(line, Math.min(c.start - 1, last), n.i);
      line = Math.max(line, c.end + 1);
    }
    if (line <= n.end) length += scanner.scan(line, Math.min(n.end, last), n.i);
    chunks[n.i].length = length;
  }
  return scanner.table.build();
}

/**
 * Adds the terms of a range of lines at a time to a file's table: the same identifiers as terms.ts's forEachTerm (an
 * identifier never spans lines), found with a character loop over the file's text rather than a regular expression.
 * Each distinct identifier is split into its terms once per file and found again by a hash of its characters
 * (wordSlots.ts), so the many repeats of a name cost neither a new string nor a map lookup by string.
 */
class LineTermScanner {
  readonly table = new TermTableBuilder();
  private readonly slots = new WordSlots();
  private readonly words: string[] = [];
  /** Word w's term ids are termIds[termStarts[w] .. termStarts[w + 1]). */
  private readonly termStarts: number[] = [0];
  private readonly termIds: number[] = [];
  private readonly termIndex = new Map<string, number>();

  constructor(private readonly lines: TextLines) {}

  /** Adds the terms of lines `from`..`to` (1-based, inclusive) to chunk `chunk`; returns how many. */
  scan(from: number, to: number, chunk: number): number {
    if (from > to) return 0;
    const text = this.lines.text;
    const table = this.table;
    let count = 0;
    // Line ends are not word characters, so the lines between can be scanned as one stretch of text.
    const n = this.lines.end(to);
    let i = this.lines.start(from);
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 128 || CHAR_CLASS[c] !== 1) { i++; continue; }
      let h = Math.imul(2166136261 ^ c, 16777619);
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 128 || CHAR_CLASS[d] === 0) break;
        h = Math.imul(h ^ d, 16777619);
      }
      if (j - i >= 2) {
        let w = this.slots.find(text, i, j, h, this.words, undefined);
        if (w < 0) w = this.addWord(text.slice(i, j), h);
        const end = this.termStarts[w + 1];
        for (let k = this.termStarts[w]; k < end; k++) table.addId(chunk, this.termIds[k]);
        count += end - this.termStarts[w];
      }
      i = j;
    }
    return count;
  }

  private addWord(word: string, h: number): number {
    const w = this.words.length;
    this.words.push(word);
    for (const t of identifierTerms(word)) {
      let id = this.termIndex.get(t);
      if (id === undefined) { id = this.table.newTerm(t); this.termIndex.set(t, id); }
      this.termIds.push(id);
    }
    this.termStarts.push(this.termIds.length);
    this.slots.insert(h, w);
    return w;
  }
}
