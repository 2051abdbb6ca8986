// Maps prompt tokens back to source lines: which file and line each token of the packed context came
// from, so citations and the sparse-attention overlay point at real code. Built once per prompt; lookups are
// O(tokens in the range).
import type { ContextChunk, PackedContext } from './buildContext';

export interface SourceLineRange { file: string; startLine: number; endLine: number }

export class SourceMap {
  private constructor(
    private readonly files: string[],
    /** Per token: index into `files`, or -1 for tokens outside any chunk body (headers, separators, the question). */
    private readonly tokenFile: Int32Array,
    private readonly tokenLine: Int32Array,
    /** Per token: the chunk it lies in (-1 outside), and per chunk whether its lines are contiguous (not an outline). */
    private readonly tokenChunk: Int32Array,
    private readonly chunkContiguous: boolean[],
  ) {}

  /**
   * tokenCharSpans: for each prompt token, [charStart, charEnd) in the prompt string; contextOffset: where
   * PackedContext.text begins inside the prompt string.
   */
  static fromPackedContext(ctx: PackedContext, tokenCharSpans: Int32Array, contextOffset: number): SourceMap {
    const chunks = [...ctx.chunks].sort((a, b) => a.charStart - b.charStart);
    const files: string[] = [];
    const fileIndex = new Map<string, number>();
    const layouts = chunks.map((c) => {
      if (!fileIndex.has(c.file)) { fileIndex.set(c.file, files.length); files.push(c.file); }
      return layoutOf(ctx.text, c);
    });
    const chunkStarts = chunks.map((c) => c.charStart);
    const n = Math.floor(tokenCharSpans.length / 2);
    const tokenFile = new Int32Array(n).fill(-1);
    const tokenLine = new Int32Array(n);
    const tokenChunk = new Int32Array(n).fill(-1);
    for (let t = 0; t < n; t++) {
      const start = tokenCharSpans[2 * t] - contextOffset;
      const end = tokenCharSpans[2 * t + 1] - contextOffset;
      if (end <= 0 || start >= ctx.text.length) continue;
      // A token like "\n    return" belongs to the line of its first visible character.
      let p = Math.max(0, start);
      while (p < end - 1 && /\s/.test(ctx.text[p])) p++;
      const ci = lastAtOrBefore(chunkStarts, p, chunks.length);
      if (ci < 0 || p >= chunks[ci].charEnd) continue;
      const layout = layouts[ci];
      const li = lastAtOrBefore(layout.offsets, p, layout.offsets.length);
      if (li < 0 || layout.lines[li] <= 0) continue;   // the header line
      tokenFile[t] = fileIndex.get(chunks[ci].file)!;
      tokenLine[t] = layout.lines[li];
      tokenChunk[t] = ci;
    }
    return new SourceMap(files, tokenFile, tokenLine, tokenChunk, chunks.map((c) => c.kind !== 'outline'));
  }

  /**
   * Source lines of tokens [tokenStart, tokenEnd), in order of first appearance per file. A run of tokens inside one
   * chunk covers every line between its first and last token (blank lines carry no token of their own); ranges of
   * one file that touch or overlap are merged.
   */
  rangesForTokens(tokenStart: number, tokenEnd: number): SourceLineRange[] {
    const from = Math.max(0, Math.floor(tokenStart));
    const to = Math.min(this.tokenFile.length, Math.ceil(tokenEnd));
    const byFile = new Map<number, { start: number; end: number }[]>();
    let run: { chunk: number; file: number; start: number; end: number } | undefined;
    const flush = () => {
      if (!run) return;
      let list = byFile.get(run.file);
      if (!list) { list = []; byFile.set(run.file, list); }
      list.push({ start: run.start, end: run.end });
      run = undefined;
    };
    for (let t = from; t < to; t++) {
      const f = this.tokenFile[t];
      if (f < 0) continue;
      const line = this.tokenLine[t];
      const chunk = this.tokenChunk[t];
      if (run && run.chunk === chunk && (this.chunkContiguous[chunk] || (line >= run.start - 1 && line <= run.end + 1))) {
        run.start = Math.min(run.start, line); run.end = Math.max(run.end, line);
      } else {
        flush();
        run = { chunk, file: f, start: line, end: line };
      }
    }
    flush();
    const out: SourceLineRange[] = [];
    for (const [f, list] of byFile) {
      list.sort((a, b) => a.start - b.start);
      const merged: { start: number; end: number }[] = [];
      for (const r of list) {
        const m = merged[merged.length - 1];
        if (m && r.start <= m.end + 1) m.end = Math.max(m.end, r.end); else merged.push({ ...r });
      }
      for (const m of merged) out.push({ file: this.files[f], startLine: m.start, endLine: m.end });
    }
    return out;
  }

  /**
   * One range per packed chunk that has tokens in [tokenStart, tokenEnd): from the first to the last of its lines
   * there. An attention block is one unit of what the model read, so the overlay shows the lines of one block of
   * one chunk as one entry, even where an outline's signature lines are not adjacent in the file.
   */
  chunkRangesForTokens(tokenStart: number, tokenEnd: number): SourceLineRange[] {
    const from = Math.max(0, Math.floor(tokenStart));
    const to = Math.min(this.tokenFile.length, Math.ceil(tokenEnd));
    const byChunk = new Map<number, { file: number; start: number; end: number }>();
    for (let t = from; t < to; t++) {
      const f = this.tokenFile[t];
      if (f < 0) continue;
      const line = this.tokenLine[t];
      const r = byChunk.get(this.tokenChunk[t]);
      if (r) { r.start = Math.min(r.start, line); r.end = Math.max(r.end, line); } else byChunk.set(this.tokenChunk[t], { file: f, start: line, end: line });
    }
    return [...byChunk.values()].map((r) => ({ file: this.files[r.file], startLine: r.start, endLine: r.end }));
  }

  /** The mapper the overlay uses: attention blocks to one range per chunk. */
  blockRanges(): { rangesForTokens(tokenStart: number, tokenEnd: number): SourceLineRange[] } {
    return { rangesForTokens: (a, b) => this.chunkRangesForTokens(a, b) };
  }

  /** Number of tokens the map covers. */
  get length(): number { return this.tokenFile.length; }
}

/** Offsets (into the context text) where each line of a chunk starts, and its source line (0 for the header). */
function layoutOf(text: string, c: ContextChunk): { offsets: number[]; lines: number[] } {
  const offsets: number[] = []; const lines: number[] = [];
  let pos = c.charStart; let k = 0;
  while (pos <= c.charEnd) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 || nl > c.charEnd ? c.charEnd : nl;
    offsets.push(pos);
    if (k === 0) lines.push(0);
    else if (c.kind === 'outline') lines.push(Number(/^(\d+): /.exec(text.slice(pos, lineEnd))?.[1] ?? 0));
    else lines.push(c.startLine + k - 1);
    k++;
    if (nl < 0 || nl >= c.charEnd) break;
    pos = nl + 1;
  }
  return { offsets, lines };
}

/** Index of the last element <= x in a sorted array (-1 when none). */
function lastAtOrBefore(sorted: ArrayLike<number>, x: number, n: number): number {
  let lo = 0; let hi = n - 1; let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}
