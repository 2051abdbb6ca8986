// BM25 over chunks (whole definitions and line windows). Each file keeps its terms hashed with the (chunk, tf) pairs
// of each term (FileTermTable, built in the worker); a search looks the question's few terms up in every
// file's table. There are no global postings to maintain, so merging a parsed file costs the main thread almost
// nothing (indexing a million lines must not stall the language server), and removal is just dropping the table.
import type { ChunkRecord } from './fileRecord';
import { findTerm, termKey, type FileTermTable } from './fileTermTable';

export interface LexicalChunk {
  id: number;
  file: string;
  kind: 'definition' | 'window';
  startLine: number;
  endLine: number;
  name?: string;
  length: number;
}

interface FileSlot { file: string; firstChunk: number; count: number; table: FileTermTable }

const K1 = 1.2;
const B = 0.75;

export class LexicalIndex {
  private readonly chunks: (LexicalChunk | undefined)[] = [];
  private slots: (FileSlot | undefined)[] = [];
  private readonly slotOf = new Map<string, number>();
  /**
   * Definition chunk ids by name: the id itself while a name has one chunk (most do), an array from the second on
   * (an array per name was most of what merging a parsed file allocated on the server thread).
   */
  private readonly byName = new Map<string, number | number[]>();
  private live = 0;
  private totalLength = 0;
  private deadSlots = 0;
  private liveSlots: FileSlot[] | undefined;

  /** Adds (or replaces) a file's chunks with their terms grouped by term (the worker builds the table). */
  add(file: string, records: ChunkRecord[], table: FileTermTable): void {
    this.remove(file);
    const firstChunk = this.chunks.length;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const id = firstChunk + i;
      this.chunks.push({ id, file, kind: r.kind, startLine: r.startLine, endLine: r.endLine, name: r.name, length: r.length });
      this.live++;
      this.totalLength += r.length;
      if (r.name) {
        const ids = this.byName.get(r.name);
        if (ids === undefined) this.byName.set(r.name, id);
        else if (typeof ids === 'number') this.byName.set(r.name, [ids, id]);
        else ids.push(id);
      }
    }
    const slot = this.slots.length;
    this.slots.push({ file, firstChunk, count: records.length, table });
    this.slotOf.set(file, slot);
    this.liveSlots = undefined;
  }

  remove(file: string): void {
    const slot = this.slotOf.get(file);
    if (slot === undefined) return;
    this.slotOf.delete(file);
    const s = this.slots[slot]!;
    this.slots[slot] = undefined;
    this.deadSlots++;
    for (let id = s.firstChunk; id < s.firstChunk + s.count; id++) {
      const c = this.chunks[id];
      if (!c) continue;
      this.chunks[id] = undefined;
      this.live--;
      this.totalLength -= c.length;
      if (c.name) {
        const ids = this.byName.get(c.name);
        if (typeof ids === 'number') { if (ids === id) this.byName.delete(c.name); }
        else if (ids) {
          const left = ids.filter((x) => x !== id);
          if (left.length > 1) this.byName.set(c.name, left); else if (left.length) this.byName.set(c.name, left[0]); else this.byName.delete(c.name);
        }
      }
    }
    this.liveSlots = undefined;
    if (this.deadSlots > 1000 && this.deadSlots > this.slotOf.size) this.compact();
  }

  chunk(id: number): LexicalChunk | undefined { return this.chunks[id]; }

  chunksOf(file: string): LexicalChunk[] {
    const slot = this.slotOf.get(file);
    if (slot === undefined) return [];
    const s = this.slots[slot]!;
    const out: LexicalChunk[] = [];
    for (let id = s.firstChunk; id < s.firstChunk + s.count; id++) { const c = this.chunks[id]; if (c) out.push(c); }
    return out;
  }

  /** Definition chunks named exactly `name`, in any file. */
  definitionsNamed(name: string): LexicalChunk[] {
    const ids = this.byName.get(name);
    if (ids === undefined) return [];
    return (typeof ids === 'number' ? [ids] : ids).map((id) => this.chunks[id]!).filter(Boolean);
  }

  /** BM25 score of every chunk that contains at least one of `terms` (terms are lower-case, see terms.ts). */
  search(terms: string[]): Map<number, number> {
    const scores = new Map<number, number>();
    if (this.live === 0) return scores;
    const avgLength = this.totalLength / this.live || 1;
    const wanted = [...new Set(terms)];
    const keys = wanted.map(termKey);
    // Pass 1: where each term occurs (slot, term index) and in how many chunks (df).
    const hits: number[][] = wanted.map(() => []);
    const df = new Float64Array(wanted.length);
    this.liveSlots ??= this.slots.filter((x): x is FileSlot => !!x);
    for (let si = 0; si < this.liveSlots.length; si++) {
      const table = this.liveSlots[si].table;
      for (let w = 0; w < wanted.length; w++) {
        const key = keys[w];
        const k = key ? findTerm(table, key) : -1;
        if (k < 0) continue;
        hits[w].push(si, k);
        df[w] += (table.offsets[k + 1] - table.offsets[k]) / 2;
      }
    }
    // Pass 2: BM25 contributions.
    for (let w = 0; w < wanted.length; w++) {
      if (!df[w]) continue;
      const idf = Math.log(1 + (this.live - df[w] + 0.5) / (df[w] + 0.5));
      const list = hits[w];
      for (let i = 0; i < list.length; i += 2) {
        const s = this.liveSlots[list[i]];
        const { offsets, pairs } = s.table;
        const k = list[i + 1];
        for (let p = offsets[k]; p < offsets[k + 1]; p += 2) {
          const id = s.firstChunk + pairs[p];
          const c = this.chunks[id];
          if (!c) continue;
          const tf = pairs[p + 1];
          scores.set(id, (scores.get(id) ?? 0) + idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * c.length / avgLength)));
        }
      }
    }
    return scores;
  }

  /** Drops tombstone slots (removed files) so searches do not walk them. */
  private compact(): void {
    const live = this.slots.filter((x): x is FileSlot => !!x);
    this.slots = live;
    this.slotOf.clear();
    live.forEach((x, i) => this.slotOf.set(x.file, i));
    this.deadSlots = 0;
    this.liveSlots = undefined;
  }
}
