// BM25 over chunks (whole definitions and line windows), maintained incrementally: a file's chunks are added and
// removed as the file changes. Postings hold [chunkId, termFrequency] pairs; removed chunks leave tombstones that
// are compacted away once they outnumber the live entries.
import type { ChunkRecord } from './fileRecord';

export interface LexicalChunk {
  id: number;
  file: string;
  kind: 'definition' | 'window';
  startLine: number;
  endLine: number;
  name?: string;
  length: number;
}

const K1 = 1.2;
const B = 0.75;

export class LexicalIndex {
  private readonly chunks: (LexicalChunk | undefined)[] = [];
  private postings = new Map<string, number[]>();
  private readonly df = new Map<string, number>();
  private readonly byFile = new Map<string, { ids: number[]; terms: string[] }>();
  private live = 0;
  private totalLength = 0;
  private liveEntries = 0;
  private deadEntries = 0;

  add(file: string, records: ChunkRecord[]): void {
    this.remove(file);
    const ids: number[] = [];
    const fileTerms = new Set<string>();
    for (const r of records) {
      const id = this.chunks.length;
      this.chunks.push({ id, file, kind: r.kind, startLine: r.startLine, endLine: r.endLine, name: r.name, length: r.length });
      ids.push(id);
      this.live++;
      this.totalLength += r.length;
      for (let i = 0; i < r.terms.length; i += 2) {
        const term = r.terms[i] as string;
        let list = this.postings.get(term);
        if (!list) { list = []; this.postings.set(term, list); }
        list.push(id, r.terms[i + 1] as number);
        this.df.set(term, (this.df.get(term) ?? 0) + 1);
        fileTerms.add(term);
        this.liveEntries++;
      }
    }
    this.byFile.set(file, { ids, terms: [...fileTerms] });
  }

  remove(file: string): void {
    const entry = this.byFile.get(file);
    if (!entry) return;
    this.byFile.delete(file);
    for (const id of entry.ids) {
      const c = this.chunks[id];
      if (!c) continue;
      this.chunks[id] = undefined;
      this.live--;
      this.totalLength -= c.length;
    }
    // df counts chunks per term: recount this file's contribution from its postings.
    const dead = new Set(entry.ids);
    for (const term of entry.terms) {
      const list = this.postings.get(term);
      if (!list) continue;
      let n = 0;
      for (let i = 0; i < list.length; i += 2) if (dead.has(list[i])) n++;
      const left = (this.df.get(term) ?? 0) - n;
      if (left > 0) this.df.set(term, left); else this.df.delete(term);
      this.liveEntries -= n;
      this.deadEntries += n;
    }
    if (this.deadEntries > 100_000 && this.deadEntries > this.liveEntries) this.compact();
  }

  chunk(id: number): LexicalChunk | undefined { return this.chunks[id]; }

  chunksOf(file: string): LexicalChunk[] {
    return (this.byFile.get(file)?.ids ?? []).map((id) => this.chunks[id]!).filter(Boolean);
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
        const c = this.chunks[list[i]];
        if (!c) continue;
        const tf = list[i + 1];
        const s = idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * c.length / avgLength));
        scores.set(c.id, (scores.get(c.id) ?? 0) + s);
      }
    }
    return scores;
  }

  private compact(): void {
    const next = new Map<string, number[]>();
    for (const [term, list] of this.postings) {
      const kept: number[] = [];
      for (let i = 0; i < list.length; i += 2) if (this.chunks[list[i]]) kept.push(list[i], list[i + 1]);
      if (kept.length) next.set(term, kept);
    }
    this.postings = next;
    this.deadEntries = 0;
  }
}
