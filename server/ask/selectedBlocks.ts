/**
 * Turns per-key-block attention scores into source ranges for the overlay: block b covers prompt tokens
 * [b*S, (b+1)*S), which the source map turns into file lines (one range per packed chunk the block touches). Blocks outside the packed
 * context (system prompt, question) have no source and are skipped.
 */
import type { AttentionReport } from '../engine/attentionReport';
import type { SelectedBlock, SelectionResult } from '../protocol/protocol';

export interface TokenRangeMapper {
  rangesForTokens(tokenStart: number, tokenEnd: number): { file: string; startLine: number; endLine: number }[];
}

/** Index of the first token whose text starts at or after character `offset` (spans as [start, end] pairs). */
export function firstTokenAtOrAfter(spans: Int32Array, offset: number): number {
  const n = spans.length / 2;
  for (let i = 0; i < n; i++) if (spans[2 * i] >= offset) return i;
  return n;
}

export function selectedBlocksFromScores(
  keyBlockScore: ArrayLike<number>,
  blockSize: number,
  promptTokens: number,
  map: TokenRangeMapper,
  maxBlocks = 12,
): SelectedBlock[] {
  let max = 0;
  for (let b = 0; b < keyBlockScore.length; b++) max = Math.max(max, keyBlockScore[b]);
  if (!(max > 0) || blockSize <= 0) return [];
  const byRange = new Map<string, SelectedBlock>();
  for (let b = 0; b < keyBlockScore.length; b++) {
    const s = keyBlockScore[b];
    if (!(s > 0)) continue;
    const start = b * blockSize;
    if (start >= promptTokens) break;
    for (const r of map.rangesForTokens(start, Math.min(promptTokens, start + blockSize))) {
      const key = `${r.file}:${r.startLine}:${r.endLine}`;
      const score = s / max; // relative to the strongest block, so the overlay's scale is [0, 1]
      const prev = byRange.get(key);
      if (!prev || prev.score < score) byRange.set(key, { file: r.file, startLine: r.startLine, endLine: r.endLine, score });
    }
  }
  return [...byRange.values()]
    .sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.startLine - b.startLine)
    .slice(0, maxBlocks);
}

/**
 * What the overlay colours by: the exact attention the question's own tokens gave each key block (summed over heads
 * and layers, sink and own block left out) where the engine measured it (CPU and GPU); otherwise (some remote
 * servers) the plan's per-block mean estimated share in the prompt's final prefill step.
 */
export function keyBlockScores(report: AttentionReport): ArrayLike<number> {
  return report.questionBlockMass && report.questionBlockMass.length > 0 ? report.questionBlockMass : report.keyBlockScore;
}

/** The selection the client paints for one answer: source blocks by score, the heatmap mask and the density. */
export function selectionFromReport(
  report: AttentionReport | undefined,
  requestedBlockSize: number,
  promptTokens: number,
  map: TokenRangeMapper,
  question: string,
): SelectionResult {
  const blockSize = report?.blockSize || requestedBlockSize;
  return {
    question,
    blockSize,
    density: report?.density ?? 1,
    blocks: report ? selectedBlocksFromScores(keyBlockScores(report), blockSize, promptTokens, map) : [],
    // The one copy into plain numbers: LSP messages are JSON, which has no typed arrays.
    heatmap: report?.heatmap ? { nBlocks: report.heatmap.nBlocks, mask: Array.from(report.heatmap.mask) } : undefined,
  };
}
