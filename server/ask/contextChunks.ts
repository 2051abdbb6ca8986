/**
 * The packed chunk list as the answer's stats report it: each chunk's file, lines and the number of prompt
 * tokens it took, so a check outside the editor can tell whether the code that answers a question was in
 * the context at all (retrieval) apart from whether the model used it (generation).
 */
import type { ContextChunkStat } from '../protocol/protocol';

export interface PackedChunkSpan {
  file: string;
  startLine: number;
  endLine: number;
  /** Offsets into the packed context text. */
  charStart: number;
  charEnd: number;
}

/**
 * `spans` holds [start, end) character offsets of each prompt token ([2*i], [2*i+1]); the context text begins at
 * `contextOffset` in the prompt. A token belongs to the chunk that holds its first character.
 */
export function contextChunkStats(chunks: PackedChunkSpan[], spans: Int32Array, contextOffset: number): ContextChunkStat[] {
  const out: ContextChunkStat[] = chunks.map((c) => ({ file: c.file, startLine: c.startLine, endLine: c.endLine, tokens: 0 }));
  if (chunks.length === 0) return out;
  const order = chunks.map((c, i) => ({ start: contextOffset + c.charStart, end: contextOffset + c.charEnd, i })).sort((a, b) => a.start - b.start);
  let k = 0;
  for (let t = 0; t < spans.length / 2; t++) {
    const at = spans[2 * t];
    while (k < order.length && order[k].end <= at) k++;
    if (k >= order.length) break;
    if (at >= order[k].start) out[order[k].i].tokens++;
  }
  return out;
}
