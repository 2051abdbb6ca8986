// BM25 over chunks (whole definitions and line windows), maintained incrementally as files change. Postings are
// per file: term -> [fileSlot, termIndexInThatFile, ...], and each file keeps the (chunk, tf) pairs of its terms
// (FileTermTable). Removed files leave tombstone slots that are compacted once they outnumber the live ones.
import type { ChunkRecord } from './fileRecord';
import type { FileTermTable } from './fileTermTable';

export interface LexicalChunk {
  id: number;
  file: string;
  kind: 'definition' | 'window';
  startLine: number;
  endLine: number;
  name?: string;
  length: number;
}

/** A file's chunks are the contiguous ids firstChunk .. firstChunk + count - 1. */
interface FileSlot { file: string; firstChunk: number; count: number; table: FileTermTable }

const K1 = 1.2;
const B = 0.75;

export class LexicalIndex {
  private readonly chunks: (LexicalChunk | undefined)[] = [];
  private postings = new Map<string, number[]>();
  private readonly df = new Map<string, number>();
  private slots: (FileSlot | undefined)[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly byName = new Map<string, number[]>();
  private live = 0;
  private totalLength = 0;
  private deadSlots = 0;

  /** Adds (or replaces) a file's chunks with their terms grouped by term (the worker builds the table). */
  add(file: string, records: ChunkRecord[], table: FileTermTable): void {
    this.remove(file);
    const firstChunk = this.chunks.length;
    records.forEach((r, i) => {
      const id = firstChunk + i;
      this.chunks.push({ id, file, kind: r.kind, startLine: r.startLine, endLine: r.endLine, name: r.name, length: r.length });
      this.live++;
      this.totalLength += r.length;
      if (r.name) {
        let ids = this.byName.get(r.name);
        if (!ids) { ids = []; this.byName.set(r.name, ids); }
        ids.push(id);
      }
    });
    const slot = this.slots.length;
    this.slots.push({ file, firstChunk, count: records.length, table });
    this.slotOf.set(file, slot);
    const { terms, offsets } = table;
    for (let k = 0; k < terms.length; k++) {
      const term = terms[k];
      let list = this.postings.get(term);
      if (!list) { list = []; this.postings.set(term, list); }
      list.push(slot, k);
      this.df.set(term, (this.df.get(term) ?? 0) + (offsets[k + 1] - offsets[k]) / 2);
    }
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
        if (ids) { const left = ids.filter((x) => x !== id); if (left.length) this.byName.set(c.name, left); else this.byName.delete(c.name); }
      }
    }
    const { terms, offsets } = s.table;
    for (let k = 0; k < terms.length; k++) {
      const left = (this.df.get(terms[k]) ?? 0) - (offsets[k + 1] - offsets[k]) / 2;
      if (left > 0) this.df.set(terms[k], left); else this.df.delete(terms[k]);
    }
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
    return (this.byName.get(name) ?? []).map((id) => this.chunks[id]!).filter(Boolean);
  }

  /** BM25 score of every chunk that contains at least one of `terms` (terms are lower-case, see terms.ts). */
  search(terms: string[]): Map<number, number> {
    const scores = new Map<number, number>();
    if (this.live === 0) return scores;
    const avgLength = this.totalLength / this.live || 1;
    for (const term of new Set(terms)) {
      const list = this.postings.get(term);
      const df = this.df.get(term);
      if (!list || !df) continue;
      const idf = Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += 2) {
        const s = this.slots[list[i]];
        if (!s) continue;
        const k = list[i + 1];
        const { offsets, pairs } = s.table;
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

  private compact(): void {
    const next = new Map<string, number[]>();
    for (const [term, list] of this.postings) {
      const kept: number[] = [];
      for (let i = 0; i < list.length; i += 2) if (this.slots[list[i]]) kept.push(list[i], list[i + 1]);
      if (kept.length) next.set(term, kept);
    }
    this.postings = next;
    this.deadSlots = 0;
  }
}
