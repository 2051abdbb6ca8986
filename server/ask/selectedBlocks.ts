/**
 * Turns the sparse attention's per-key-block scores into source ranges for the overlay: block b covers
 * prompt tokens [b*S, (b+1)*S), which the source map turns into file lines. Blocks outside the packed
 * context (system prompt, question) have no source and are skipped.
 */
import type { SelectedBlock } from '../protocol/protocol';

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
