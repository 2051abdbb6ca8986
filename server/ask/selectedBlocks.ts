/**
 * Turns the sparse attention's per-key-block scores into source ranges for the overlay: block b covers
 * prompt tokens [b*S, (b+1)*S), which the source map turns into file lines. Blocks outside the packed
 * context (system prompt, question) have no source and are skipped.
 */
import type { AttentionReport } from '../engine/attentionReport';
import type { SelectedBlock, SelectionResult } from '../protocol/protocol';

export interface TokenRangeMapper {
  rangesForTokens(tokenStart: number, tokenEnd: number): { file: string; startLine: number; endLine: number }[];
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
 * How much the answer's attention reached each key block, the overlay's score before it is mapped to source lines.
 * Today: the report's per-block mean of the plan's estimated shares in the prompt's final prefill step.
 */
export function keyBlockScores(report: AttentionReport): ArrayLike<number> {
  return report.keyBlockScore;
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
