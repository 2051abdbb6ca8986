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

/**
 * The overlay's ranges, best first. Each block gives one range per packed chunk it touches, scored relative to the
 * strongest block (the overlay's scale is [0, 1]); the `maxBlocks` best ranges are kept, and those of one place
 * (same file, adjacent lines, from neighbouring blocks) are shown as one entry scored by its best block, so the
 * first entries name different places instead of three neighbouring blocks of one definition. Grouping adds no
 * block that the best `maxBlocks` did not hold.
 */
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
  const byRange = new Map<string, BlockRange>();
  for (let b = 0; b < keyBlockScore.length; b++) {
    const s = keyBlockScore[b];
    if (!(s > 0)) continue;
    const start = b * blockSize;
    if (start >= promptTokens) break;
    for (const r of map.rangesForTokens(start, Math.min(promptTokens, start + blockSize))) {
      const key = `${r.file}:${r.startLine}:${r.endLine}`;
      const score = s / max;
      const prev = byRange.get(key);
      if (!prev || prev.score < score) byRange.set(key, { file: r.file, startLine: r.startLine, endLine: r.endLine, score, firstBlock: b, lastBlock: b });
    }
  }
  const best = [...byRange.values()]
    .sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.startLine - b.startLine)
    .slice(0, maxBlocks);
  return groupPlaces(best).map(({ file, startLine, endLine, score }) => ({ file, startLine, endLine, score }));
}

interface BlockRange extends SelectedBlock {
  firstBlock: number;
  lastBlock: number;
}

/**
 * Lines two ranges of neighbouring blocks may be apart and still be one place: the blank lines between two
 * definitions (two in PEP 8 style) hold no token that starts a line of its own, so the blocks on either side end and
 * start a line or two apart. Joining them took overlay hit@3 on the 165-question evaluation from 100 to 104 of 149
 * packed answers (dense, BASELINE_SMOOTHING 0.05; 94 to 102 at 0.1), on the older 48 questions and the newer 117.
 */
export const PLACE_LINE_GAP = 3;

/**
 * Ranges (best first) grouped by place: a range joins an earlier one of the same file whose blocks are its
 * neighbours and whose lines touch its own (up to PLACE_LINE_GAP apart); one that touches two earlier places joins
 * them. Order stays best first.
 */
function groupPlaces(ranges: BlockRange[]): BlockRange[] {
  const places: BlockRange[] = [];
  for (const r of ranges) {
    const touching = places.filter((p) => p.file === r.file && r.lastBlock >= p.firstBlock - 1 && r.firstBlock <= p.lastBlock + 1 &&
      r.startLine <= p.endLine + PLACE_LINE_GAP && p.startLine <= r.endLine + PLACE_LINE_GAP);
    if (touching.length === 0) { places.push({ ...r }); continue; }
    const [into, ...rest] = touching;
    for (const p of [r, ...rest]) {
      into.startLine = Math.min(into.startLine, p.startLine);
      into.endLine = Math.max(into.endLine, p.endLine);
      into.firstBlock = Math.min(into.firstBlock, p.firstBlock);
      into.lastBlock = Math.max(into.lastBlock, p.lastBlock);
      into.score = Math.max(into.score, p.score);
    }
    for (const p of rest) places.splice(places.indexOf(p), 1);
  }
  return places;
}

/**
 * Smoothing of the baseline ratio, as a share of one block's even share of the attention: a block that both the
 * question and the neutral question barely read cannot top the overlay on a ratio of two tiny numbers. On the
 * 165-question evaluation (GPU records re-scored) 0.05 put the answer in the top three places for 104 of 149 packed
 * answers in dense and in each UniSparse run, against 98-102 at 0.1 and at 0.03, and did so on the older 48 questions
 * (38 against 36) and the newer 117 (66 against 66-67) alike.
 */
export const BASELINE_SMOOTHING = 0.05;

/**
 * How much more the question read each block than the neutral question at the same place did: the ratio of the
 * two shares (each block's mass over the total), the baseline's share smoothed by `smoothing` times an even share.
 * Blocks the question did not read at all score 0.
 */
export function baselineRelativeScores(mass: ArrayLike<number>, baseline: ArrayLike<number>, smoothing = BASELINE_SMOOTHING): Float32Array {
  const out = new Float32Array(mass.length);
  let massTotal = 0, baselineTotal = 0, read = 0;
  for (let b = 0; b < mass.length; b++) {
    if (mass[b] > 0) { massTotal += mass[b]; read++; }
    if (b < baseline.length && baseline[b] > 0) baselineTotal += baseline[b];
  }
  if (!(massTotal > 0)) return out;
  const even = 1 / Math.max(1, read);
  for (let b = 0; b < mass.length; b++) {
    if (!(mass[b] > 0)) continue;
    const base = baselineTotal > 0 && b < baseline.length && baseline[b] > 0 ? baseline[b] / baselineTotal : 0;
    out[b] = mass[b] / massTotal / (base + smoothing * even);
  }
  return out;
}

/**
 * The layers whose attention the overlay reads, as fractions of the model's depth: [7/15, 2/3), layers 14-19 of
 * SmolLM2's 30 (13-18 of a 28-layer model). The early layers attend by position and syntax (the block next to a token,
 * the file header above it) and the last ones to what the answer will say next; the middle ones are where a question's
 * tokens reach back for the code they name. On the 165-question evaluation (GPU records of each layer's mass, dense and
 * UniSparse alike) these layers put the answer among the top three places for 133 of 156 packed answers, against 112
 * with every layer summed, with narrower places (15 lines each on average, against 26); the same window was the best of
 * every window of two layers' step chosen on the Flask questions alone (82 of 92 against 71) and on the Express ones
 * alone (51 of 64 against 41), so it is not fitted to one code base.
 */
export const READING_LAYERS = { from: 7 / 15, to: 2 / 3 };

/** The layers [from, to) of READING_LAYERS in a model of `layers` layers (at least one). */
export function readingLayers(layers: number): { from: number; to: number } {
  const from = Math.min(layers - 1, Math.round(layers * READING_LAYERS.from));
  return { from, to: Math.max(from + 1, Math.round(layers * READING_LAYERS.to)) };
}

/**
 * Per key block, the sum of the mass of layers [from, to) of a layer-by-layer measure (`perLayer`: layer l's block b
 * at l * blocks + b; see AttentionReport.questionLayerMass).
 */
export function layerWindowMass(perLayer: ArrayLike<number>, blocks: number, from: number, to: number): Float32Array {
  const out = new Float32Array(blocks);
  for (let l = from; l < to; l++)
    for (let b = 0; b < blocks; b++) out[b] += perLayer[l * blocks + b];
  return out;
}

/**
 * What the overlay colours by. Where the engine measured the question's exact attention per block (CPU and GPU)
 * and the neutral question's at the same place, how much more the question read a block than the neutral one did
 * (baselineRelativeScores), in the reading layers where both were measured layer by layer, else over all layers; with
 * the question's attention alone, that attention; otherwise (some remote servers) the plan's per-block mean estimated
 * share in the prompt's final prefill step.
 */
export function keyBlockScores(report: AttentionReport): ArrayLike<number> {
  const mass = report.questionBlockMass;
  if (!mass || mass.length === 0) return report.keyBlockScore;
  const baseline = report.baselineBlockMass;
  if (!baseline || baseline.length === 0) return mass;
  const q = report.questionLayerMass, n = report.baselineLayerMass;
  const layers = q && q.length > 0 && q.length % mass.length === 0 ? q.length / mass.length : 0;
  if (layers > 0 && n && n.length === layers * baseline.length) {
    const { from, to } = readingLayers(layers);
    return baselineRelativeScores(layerWindowMass(q!, mass.length, from, to), layerWindowMass(n, baseline.length, from, to));
  }
  return baselineRelativeScores(mass, baseline);
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
