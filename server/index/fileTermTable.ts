// A file's BM25 terms regrouped by term (built in the worker): for each distinct term, the chunks that contain it
// and how often. The main thread then touches its postings once per distinct term of a file instead of once per
// (term, chunk) pair, which keeps merging a large file into the index short enough not to stall the event loop.
import type { ChunkRecord } from './fileRecord';

export interface FileTermTable {
  terms: string[];
  /** Pairs (chunk index in the file, term frequency) of term k live in pairs[offsets[k] .. offsets[k+1]). */
  offsets: Int32Array;
  pairs: Int32Array;
}

export function buildTermTable(chunks: ChunkRecord[]): FileTermTable {
  const byTerm = new Map<string, number[]>();
  chunks.forEach((c, ci) => {
    for (let i = 0; i < c.terms.length; i += 2) {
      const term = c.terms[i] as string;
      let list = byTerm.get(term);
      if (!list) { list = []; byTerm.set(term, list); }
      list.push(ci, c.terms[i + 1] as number);
    }
  });
  const terms = [...byTerm.keys()];
  const offsets = new Int32Array(terms.length + 1);
  let total = 0;
  terms.forEach((t, k) => { offsets[k] = total; total += byTerm.get(t)!.length; });
  offsets[terms.length] = total;
  const pairs = new Int32Array(total);
  terms.forEach((t, k) => pairs.set(byTerm.get(t)!, offsets[k]));
  return { terms, offsets, pairs };
}
