// Draws one head's block mask as a PNG: kept blocks coloured by their estimated share (darker = larger),
// causal blocks that were skipped in light grey, the non-causal upper triangle white. Row = query block.
import { encodePng } from './pngWriter';

export interface MaskPicture { nBlocks: number; kept: (row: number, col: number) => boolean; score: (row: number, col: number) => number }

export function blockMaskPng(m: MaskPicture, pixelsPerBlock: number): Buffer {
  const size = m.nBlocks * pixelsPerBlock;
  const rgb = new Uint8Array(size * size * 3);
  for (let row = 0; row < m.nBlocks; row++) {
    for (let col = 0; col < m.nBlocks; col++) {
      let colour: [number, number, number];
      if (col > row) colour = [255, 255, 255];
      else if (!m.kept(row, col)) colour = [228, 228, 228];
      else {
        // Shares span orders of magnitude; a log scale keeps small kept blocks visible.
        const s = Math.max(0, Math.min(1, (Math.log10(Math.max(m.score(row, col), 1e-4)) + 4) / 4));
        colour = [Math.round(200 - 180 * s), Math.round(220 - 170 * s), Math.round(255 - 95 * s)];
      }
      for (let y = 0; y < pixelsPerBlock; y++) {
        for (let x = 0; x < pixelsPerBlock; x++) {
          const o = ((row * pixelsPerBlock + y) * size + col * pixelsPerBlock + x) * 3;
          rgb[o] = colour[0]; rgb[o + 1] = colour[1]; rgb[o + 2] = colour[2];
        }
      }
    }
  }
  return encodePng(size, size, rgb);
}

/** The picture of kv head `kvHead` of a native plan (attentionPlan's result). */
export function planPicture(plan: { rowPtr: Int32Array; keyBlocks: Int32Array; keyScores: Float32Array;
  nQueryBlocks: number; firstQueryBlock: number; nBlocks: number }, kvHead: number): MaskPicture {
  const scores = new Map<number, number>();
  for (let r = 0; r < plan.nQueryBlocks; r++) {
    const row = kvHead * plan.nQueryBlocks + r;
    for (let i = plan.rowPtr[row]; i < plan.rowPtr[row + 1]; i++)
      scores.set((plan.firstQueryBlock + r) * plan.nBlocks + plan.keyBlocks[i], plan.keyScores[i]);
  }
  return { nBlocks: plan.nBlocks, kept: (r, c) => scores.has(r * plan.nBlocks + c), score: (r, c) => scores.get(r * plan.nBlocks + c) ?? 0 };
}
