// A file's BM25 terms regrouped by term (built in the worker): for each distinct term, the chunks that contain it
// and how often. The lexical index keeps one table per file and binary-searches it at query time instead of
// maintaining global postings, so merging a large file costs the main thread almost nothing.

export interface FileTermTable {
  /** Sorted in code-unit order. */
  terms: string[];
  /** Pairs (chunk index in the file, term frequency) of term k live in pairs[offsets[k] .. offsets[k+1]). */
  offsets: Int32Array;
  pairs: Int32Array;
}

/** Collects (chunk, term) occurrences chunk by chunk, in one pass, without a map per chunk. */
export class TermTableBuilder {
  private readonly byTerm = new Map<string, number[]>();

  /** Adds one occurrence of `term` in chunk `chunk`; chunks must be added in increasing order. */
  add(chunk: number, term: string): void {
    const list = this.byTerm.get(term);
    if (!list) this.byTerm.set(term, [chunk, 1]);
    else if (list[list.length - 2] === chunk) list[list.length - 1]++;
    else list.push(chunk, 1);
  }

  /** Terms sorted (code-unit order) so that a search can binary-search them. */
  build(): FileTermTable {
    const terms = [...this.byTerm.keys()].sort();
    const offsets = new Int32Array(terms.length + 1);
    let total = 0;
    for (let k = 0; k < terms.length; k++) { offsets[k] = total; total += this.byTerm.get(terms[k])!.length; }
    offsets[terms.length] = total;
    const pairs = new Int32Array(total);
    for (let k = 0; k < terms.length; k++) pairs.set(this.byTerm.get(terms[k])!, offsets[k]);
    return { terms, offsets, pairs };
  }
}
