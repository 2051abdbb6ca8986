// BM25 terms of a file's chunks, from the chunk ranges and the file's lines. A chunk's terms come from its own
// lines only, not from the chunks nested in it (a class's terms are its declaration and fields, its methods have
// theirs): a word gets one entry per place it is written, not one per nesting level, which keeps big files cheap
// and the scores honest. Computed after parsing and again on a cache hit (the cache stores ranges, not terms, which
// keeps its entries small and cheap to write).
import type { ChunkRecord } from './fileRecord';
import { TermTableBuilder, type FileTermTable } from './fileTermTable';
import { identifierTerms } from './terms';

/** Per ASCII code: 1 can start an identifier ([A-Za-z_$]), 2 can only continue one ([0-9]); see terms.ts. */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CHAR_CLASS[c] = /[A-Za-z_$]/.test(ch) ? 1 : /[0-9]/.test(ch) ? 2 : 0;
}

/** The term table of `chunks`; also sets each chunk's `length` (its number of terms). */
export function termTableFor(lines: string[], chunks: ChunkRecord[]): FileTermTable {
  const nodes = chunks.map((c, i) => ({ i, start: c.startLine, end: c.endLine, children: [] as { start: number; end: number }[] }));
  const order = [...nodes].sort((a, b) => a.start - b.start || b.end - a.end || a.i - b.i);
  const stack: typeof nodes = [];
  for (const n of order) {
    while (stack.length && stack[stack.length - 1].end < n.end) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent && parent.start <= n.start && n.end <= parent.end) parent.children.push(n);
    stack.push(n);
  }
  const scanner = new LineTermScanner(new TermTableBuilder());
  for (const n of nodes) {
    let length = 0;
    let line = n.start;
    for (const c of n.children) {   // direct children, in source order, not overlapping each other
      for (; line < c.start; line++) length += scanner.scan(lines[line - 1], n.i);
      line = Math.max(line, c.end + 1);
    }
    for (; line <= n.end; line++) length += scanner.scan(lines[line - 1], n.i);
    chunks[n.i].length = length;
  }
  return scanner.table.build();
}

/**
 * Adds the terms of one line at a time to a table: the same identifiers as terms.ts's forEachTerm (an identifier
 * never spans lines), found with a character loop rather than a regular expression. Each distinct identifier is split
 * into its terms once per file and found again by a hash of its characters, so the many repeats of a name cost
 * neither a new string nor a map lookup by string.
 */
class LineTermScanner {
  /** Open addressing: slot -> 1 + index into words (0: empty). */
  private slots = new Int32Array(1024);
  private readonly words: string[] = [];
  private readonly hashes: number[] = [];
  private readonly termIds: number[][] = [];

  constructor(readonly table: TermTableBuilder) {}

  /** Adds the terms of `line` to chunk `chunk`; returns how many. */
  scan(line: string | undefined, chunk: number): number {
    if (!line) return 0;
    let count = 0;
    const n = line.length;
    let i = 0;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c >= 128 || CHAR_CLASS[c] !== 1) { i++; continue; }
      let h = Math.imul(2166136261 ^ c, 16777619);
      let j = i + 1;
      for (; j < n; j++) {
        const d = line.charCodeAt(j);
        if (d >= 128 || CHAR_CLASS[d] === 0) break;
        h = Math.imul(h ^ d, 16777619);
      }
      if (j - i >= 2) {
        const ids = this.termIds[this.wordIndex(line, i, j, h)];
        for (let k = 0; k < ids.length; k++) this.table.addId(chunk, ids[k]);
        count += ids.length;
      }
      i = j;
    }
    return count;
  }

  /** The index of the identifier line[i..j) (hash h), added on first sight. */
  private wordIndex(line: string, i: number, j: number, h: number): number {
    const len = j - i;
    let mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const slot = this.slots[s];
      if (slot === 0) break;
      const w = slot - 1;
      if (this.hashes[w] !== h) continue;
      const word = this.words[w];
      if (word.length !== len) continue;
      let k = 0;
      while (k < len && word.charCodeAt(k) === line.charCodeAt(i + k)) k++;
      if (k === len) return w;
    }
    const word = line.slice(i, j);
    const w = this.words.length;
    this.words.push(word);
    this.hashes.push(h);
    this.termIds.push(identifierTerms(word).map((t) => this.table.idOf(t)));
    if (this.words.length * 2 > this.slots.length) {   // keep the table at most half full
      this.slots = new Int32Array(this.slots.length * 2);
      mask = this.slots.length - 1;
      for (let x = 0; x < this.words.length; x++) {
        let s = this.hashes[x] & mask;
        while (this.slots[s] !== 0) s = (s + 1) & mask;
        this.slots[s] = x + 1;
      }
    } else {
      let s = h & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = w + 1;
    }
    return w;
  }
}
