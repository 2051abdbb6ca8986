// BM25 terms of a file's chunks, from the chunk ranges and the file's lines. A chunk's terms come from its own
// lines only, not from the chunks nested in it (a class's terms are its declaration and fields, its methods have
// theirs): a word gets one entry per place it is written, not one per nesting level, which keeps big files cheap
// and the scores honest. Computed after parsing and again on a cache hit (the cache stores ranges, not terms, which
// keeps its entries small and cheap to write).
import type { ChunkRecord } from './fileRecord';
import { TermTableBuilder, type FileTermTable } from './fileTermTable';
import { forEachTerm } from './terms';

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
  const table = new TermTableBuilder();
  const memo = new Map<string, string[]>();
  for (const n of nodes) {
    const own: string[] = [];
    let line = n.start;
    for (const c of n.children) {   // direct children, in source order, not overlapping each other
      for (; line < c.start; line++) own.push(lines[line - 1]);
      line = Math.max(line, c.end + 1);
    }
    for (; line <= n.end; line++) own.push(lines[line - 1]);
    let length = 0;
    const chunk = n.i;
    forEachTerm(own.length === 1 ? own[0] : own.join('\n'), (t) => { table.add(chunk, t); length++; }, memo);
    chunks[n.i].length = length;
  }
  return table.build();
}
