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
 * never spans lines), found with a character loop rather than a regular expression, and each identifier split into
 * its terms once per file.
 */
class LineTermScanner {
  private readonly memo = new Map<string, number[]>();

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
      let j = i + 1;
      for (; j < n; j++) { const d = line.charCodeAt(j); if (d >= 128 || CHAR_CLASS[d] === 0) break; }
      if (j - i >= 2) {
        const word = line.slice(i, j);
        let ids = this.memo.get(word);
        if (!ids) {
          ids = identifierTerms(word).map((t) => this.table.idOf(t));
          this.memo.set(word, ids);
        }
        for (let k = 0; k < ids.length; k++) this.table.addId(chunk, ids[k]);
        count += ids.length;
      }
      i = j;
    }
    return count;
  }
}
