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
  /** The distinct terms, in first-seen order, as ASCII bytes back to back. */
  termBytes: Uint8Array;
  /** Term k is termBytes[termStarts[k] .. termStarts[k+1]) (length: number of terms + 1). */
  termStarts: Int32Array;
  /** Pairs (chunk index in the file, term frequency) of term k live in pairs[offsets[k] .. offsets[k+1]). */
  offsets: Int32Array;
  pairs: Int32Array;
  /** Open-addressing hash table over the terms (termHash): slot -> 1 + term index, 0 when empty; at most half full. */
  slots: Int32Array;
}

/** FNV-1a over a term's characters (ASCII), as an int32; the same in the worker and in searches. */
export function termHash(term: string): number {
  let h = 2166136261 | 0;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 16777619);
  return h;
}

/** Number of distinct terms in a table. */
export function termCount(table: FileTermTable): number { return table.termStarts.length - 1; }

/** Term k of a table as a string (for tests and debugging; searches compare bytes). */
export function termAt(table: FileTermTable, k: number): string {
  let s = '';
  for (let i = table.termStarts[k]; i < table.termStarts[k + 1]; i++) s += String.fromCharCode(table.termBytes[i]);
  return s;
}

/** A search term prepared for findTerm: its bytes and hash; undefined when no indexed term can hold it (beyond ASCII). */
export interface TermKey { bytes: Uint8Array; hash: number }

export function termKey(term: string): TermKey | undefined {
  const bytes = new Uint8Array(term.length);
  for (let i = 0; i < term.length; i++) {
    const c = term.charCodeAt(i);
    if (c > 127) return undefined;
    bytes[i] = c;
  }
  return { bytes, hash: termHash(term) };
}

/** Index of the term `key` (see termKey) in the table, or -1: one probe of the hash table, usually. */
export function findTerm(table: FileTermTable, key: TermKey): number {
  const { termBytes, termStarts, slots } = table;
  const mask = slots.length - 1;
  const want = key.bytes;
  for (let s = key.hash & mask; ; s = (s + 1) & mask) {
    const slot = slots[s];
    if (slot === 0) return -1;
    const k = slot - 1;
    const start = termStarts[k];
    if (termStarts[k + 1] - start !== want.length) continue;
    let i = 0;
    while (i < want.length && termBytes[start + i] === want[i]) i++;
    if (i === want.length) return k;
  }
}

/** The buffers of a table, for postMessage's transfer list (they become unusable in the sending thread). */
export function termTableBuffers(table: FileTermTable): ArrayBuffer[] {
  // The native table's arrays are views of one buffer; a transfer list must name each buffer once.
  return [...new Set([table.termBytes.buffer, table.termStarts.buffer, table.offsets.buffer, table.pairs.buffer, table.slots.buffer])] as ArrayBuffer[];
}

/**
 * Collects (chunk, term) occurrences chunk by chunk, in one pass. Terms get small integer ids in first-seen order,
 * so counting an occurrence is an array access, not a map lookup by string (the caller keeps terms unique); the (term, chunk, count) entries go into
 * flat typed arrays in the order they are first seen, and build() groups them by term (no array per term to
 * allocate and collect).
 */
export class TermTableBuilder {
  private readonly names: string[] = [];
  /** Per term: its entry for the chunk being counted (-1: none yet), and how many chunks it is in. */
  private lastEntry = new Int32Array(256).fill(-1);
  private chunkCounts = new Int32Array(256);
  /** Entries: term, chunk, count. */
  private entryTerm = new Int32Array(1024);
  private entryChunk = new Int32Array(1024);
  private entryCount = new Int32Array(1024);
  private entries = 0;

  /** The id of a term not in the table yet (the caller knows it is new: see chunkTerms.ts), in first-seen order. */
  newTerm(term: string): number {
    const id = this.names.length;
    this.names.push(term);
    if (id === this.lastEntry.length) {
      const last = new Int32Array(id * 2).fill(-1); last.set(this.lastEntry); this.lastEntry = last;
      const counts = new Int32Array(id * 2); counts.set(this.chunkCounts); this.chunkCounts = counts;
    }
    return id;
  }

  /** Adds one occurrence of term `id` in chunk `chunk`; chunks must be added in increasing order. */
  addId(chunk: number, id: number): void {
    const e = this.lastEntry[id];
    if (e >= 0 && this.entryChunk[e] === chunk) { this.entryCount[e]++; return; }
    const n = this.entries++;
    if (n === this.entryTerm.length) this.grow();
    this.entryTerm[n] = id; this.entryChunk[n] = chunk; this.entryCount[n] = 1;
    this.lastEntry[id] = n;
    this.chunkCounts[id]++;
  }

  private grow(): void {
    const size = this.entryTerm.length * 2;
    const t = new Int32Array(size); t.set(this.entryTerm); this.entryTerm = t;
    const c = new Int32Array(size); c.set(this.entryChunk); this.entryChunk = c;
    const k = new Int32Array(size); k.set(this.entryCount); this.entryCount = k;
  }

  /** The table, with a hash table over the terms so that a search finds one without sorting them first. */
  build(): FileTermTable {
    const n = this.names.length;
    let chars = 0;
    for (let k = 0; k < n; k++) chars += this.names[k].length;
    const termBytes = new Uint8Array(chars);
    const termStarts = new Int32Array(n + 1);
    const offsets = new Int32Array(n + 1);
    const pairs = new Int32Array(this.entries * 2);
    let size = 4;
    while (size < n * 2) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    let c = 0; let p = 0;
    for (let k = 0; k < n; k++) {
      const name = this.names[k];
      termStarts[k] = c;
      let h = 2166136261 | 0;   // termHash, inline
      for (let i = 0; i < name.length; i++) { const ch = name.charCodeAt(i); termBytes[c++] = ch; h = Math.imul(h ^ ch, 16777619); }
      let s = h & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = k + 1;
      offsets[k] = p;
      p += this.chunkCounts[k] * 2;
    }
    termStarts[n] = c;
    offsets[n] = p;
    // Entries in first-seen order: a term's chunks come in increasing order, as addId requires.
    const fill = offsets.slice(0, n);
    for (let e = 0; e < this.entries; e++) {
      const at = fill[this.entryTerm[e]];
      pairs[at] = this.entryChunk[e];
      pairs[at + 1] = this.entryCount[e];
      fill[this.entryTerm[e]] = at + 2;
    }
    return { termBytes, termStarts, offsets, pairs, slots };
  }
}
