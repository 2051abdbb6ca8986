// A file's BM25 terms regrouped by term (built in the worker): for each distinct term, the chunks that contain it
// and how often. The lexical index keeps one table per file and binary-searches it at query time instead of
// maintaining global postings, so merging a large file costs the main thread almost nothing.
//
// The table is four typed arrays and no JavaScript objects: the terms (ASCII identifiers and their parts, see
// terms.ts) are stored as bytes back to back. A million lines of code hold about a million distinct (file, term)
// pairs; as strings they were a million small objects that every message from a worker had to clone and every
// young-generation garbage collection on the server thread had to copy (pauses of 50-200 ms while indexing). As
// bytes they cross from the worker by transfer (no copy) and live outside the JavaScript heap.

export interface FileTermTable {
  /** The distinct terms, sorted in byte order, as ASCII bytes back to back. */
  termBytes: Uint8Array;
  /** Term k is termBytes[termStarts[k] .. termStarts[k+1]) (length: number of terms + 1). */
  termStarts: Int32Array;
  /** Pairs (chunk index in the file, term frequency) of term k live in pairs[offsets[k] .. offsets[k+1]). */
  offsets: Int32Array;
  pairs: Int32Array;
}

/** Number of distinct terms in a table. */
export function termCount(table: FileTermTable): number { return table.termStarts.length - 1; }

/** Term k of a table as a string (for tests and debugging; searches compare bytes). */
export function termAt(table: FileTermTable, k: number): string {
  let s = '';
  for (let i = table.termStarts[k]; i < table.termStarts[k + 1]; i++) s += String.fromCharCode(table.termBytes[i]);
  return s;
}

/** A search term as bytes; undefined when it holds a character no indexed term can hold (beyond ASCII). */
export function termKey(term: string): Uint8Array | undefined {
  const out = new Uint8Array(term.length);
  for (let i = 0; i < term.length; i++) {
    const c = term.charCodeAt(i);
    if (c > 127) return undefined;
    out[i] = c;
  }
  return out;
}

/** Index of the term `key` (see termKey) in the table, or -1. */
export function findTerm(table: FileTermTable, key: Uint8Array): number {
  const bytes = table.termBytes; const starts = table.termStarts;
  let lo = 0; let hi = starts.length - 2;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = starts[mid]; const len = starts[mid + 1] - s;
    const n = len < key.length ? len : key.length;
    let cmp = 0;
    for (let i = 0; i < n && cmp === 0; i++) cmp = bytes[s + i] - key[i];
    if (cmp === 0) cmp = len - key.length;
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** The buffers of a table, for postMessage's transfer list (they become unusable in the sending thread). */
export function termTableBuffers(table: FileTermTable): ArrayBuffer[] {
  return [table.termBytes.buffer, table.termStarts.buffer, table.offsets.buffer, table.pairs.buffer] as ArrayBuffer[];
}

/**
 * Collects (chunk, term) occurrences chunk by chunk, in one pass. Terms get small integer ids in first-seen order,
 * so counting an occurrence is an array access, not a map lookup by string.
 */
export class TermTableBuilder {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly lists: number[][] = [];

  /** The id of `term` (ASCII), made on first use. */
  idOf(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(term, id);
      this.names.push(term);
      this.lists.push([]);
    }
    return id;
  }

  /** Adds one occurrence of term `id` in chunk `chunk`; chunks must be added in increasing order. */
  addId(chunk: number, id: number): void {
    const list = this.lists[id];
    const n = list.length;
    if (n && list[n - 2] === chunk) list[n - 1]++;
    else list.push(chunk, 1);
  }

  /** Adds one occurrence of `term` in chunk `chunk`. */
  add(chunk: number, term: string): void { this.addId(chunk, this.idOf(term)); }

  /** The table, terms sorted in byte order so that a search can binary-search them. */
  build(): FileTermTable {
    const order = this.names.map((_, i) => i).sort((a, b) => (this.names[a] < this.names[b] ? -1 : 1));
    let chars = 0; let total = 0;
    for (const id of order) { chars += this.names[id].length; total += this.lists[id].length; }
    const termBytes = new Uint8Array(chars);
    const termStarts = new Int32Array(order.length + 1);
    const offsets = new Int32Array(order.length + 1);
    const pairs = new Int32Array(total);
    let c = 0; let p = 0;
    for (let k = 0; k < order.length; k++) {
      const name = this.names[order[k]];
      termStarts[k] = c;
      for (let i = 0; i < name.length; i++) termBytes[c++] = name.charCodeAt(i);
      offsets[k] = p;
      const list = this.lists[order[k]];
      pairs.set(list, p);
      p += list.length;
    }
    termStarts[order.length] = c;
    offsets[order.length] = p;
    return { termBytes, termStarts, offsets, pairs };
  }
}
