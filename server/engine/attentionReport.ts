/**
 * What the model reports about the attention of a prefill, in one shape from the native addon through the engine
 * process to the ask pipeline: the engine's IPC uses structured clone, so the typed arrays travel as they are.
 */
import type { AttentionMode } from '../../common/attentionOptions';

export interface AttentionReport {
  mode: AttentionMode;
  /** Kept key blocks / causal key blocks (1 for dense); over a whole prompt, weighted by each prefill step's tokens. */
  density: number;
  blockSize: number;
  nBlocks: number;
  /**
   * Per key block, from the prompt's final prefill step (the one holding the question): the mean, over the plan
   * rows that kept it, of its share of the row's attention (estimated by UniSparse; uniform over the row for a
   * dense plan); 0 where no row kept it.
   */
  keyBlockScore: Float32Array;
  /**
   * Per key block: the exact attention the question's own tokens gave it (softmax over the cached keys, summed over
   * heads, layers and question tokens; the sink block and each token's own block left out). Empty or absent where
   * the engine did not measure it (a remote server that does not send it).
   */
  questionBlockMass?: Float32Array;
  /**
   * questionBlockMass layer by layer: layer l's mass of key block b at [l * questionBlockMass.length + b] (the layers
   * sum to questionBlockMass). Absent where the engine did not measure it.
   */
  questionLayerMass?: Float32Array;
  /**
   * Per key block: the same measure for a neutral question asked at the same place in the same prompt (the
   * attention any question gives a block there: nearby blocks, file headers), the baseline the overlay divides by.
   * Absent where it was not measured.
   */
  baselineBlockMass?: Float32Array;
  /** baselineBlockMass layer by layer, laid out as questionLayerMass. */
  baselineLayerMass?: Float32Array;
  /**
   * Per key block: the same measure for the answer's own tokens, taken once the answer is complete (it also covers
   * the blocks of the answer itself, past the prompt). Absent where it was not measured.
   */
  answerBlockMass?: Float32Array;
  /** Kept-block mask of one layer/head, nBlocks x nBlocks, rows are query blocks. */
  heatmap?: { layer: number; head: number; nBlocks: number; mask: Uint8Array };
}

/** The report where it leaves as JSON (the OpenAI-compatible server's extension field): plain number arrays. */
export interface AttentionReportJson extends Omit<AttentionReport, 'keyBlockScore' | 'questionBlockMass' | 'questionLayerMass' | 'baselineBlockMass' | 'baselineLayerMass' | 'answerBlockMass' | 'heatmap'> {
  keyBlockScore: number[];
  questionBlockMass?: number[];
  questionLayerMass?: number[];
  baselineBlockMass?: number[];
  baselineLayerMass?: number[];
  answerBlockMass?: number[];
  heatmap?: { layer: number; head: number; nBlocks: number; mask: number[] };
}

export function attentionReportJson(r: AttentionReport): AttentionReportJson {
  const { heatmap, keyBlockScore, questionBlockMass, questionLayerMass, baselineBlockMass, baselineLayerMass, answerBlockMass, ...rest } = r;
  return {
    ...rest, keyBlockScore: Array.from(keyBlockScore), questionBlockMass: questionBlockMass?.length ? Array.from(questionBlockMass) : undefined,
    questionLayerMass: questionLayerMass?.length ? Array.from(questionLayerMass) : undefined,
    baselineBlockMass: baselineBlockMass?.length ? Array.from(baselineBlockMass) : undefined,
    baselineLayerMass: baselineLayerMass?.length ? Array.from(baselineLayerMass) : undefined,
    answerBlockMass: answerBlockMass?.length ? Array.from(answerBlockMass) : undefined,
    heatmap: heatmap && { ...heatmap, mask: Array.from(heatmap.mask) },
  };
}

/** The report as it arrives from a remote `unisparse serve`, back in the shape the ask pipeline reads. */
export function attentionReportFromJson(r: AttentionReportJson): AttentionReport {
  const { heatmap, keyBlockScore, questionBlockMass, questionLayerMass, baselineBlockMass, baselineLayerMass, answerBlockMass, ...rest } = r;
  return {
    ...rest, keyBlockScore: Float32Array.from(keyBlockScore), questionBlockMass: questionBlockMass && Float32Array.from(questionBlockMass),
    questionLayerMass: questionLayerMass && Float32Array.from(questionLayerMass),
    baselineBlockMass: baselineBlockMass && Float32Array.from(baselineBlockMass),
    baselineLayerMass: baselineLayerMass && Float32Array.from(baselineLayerMass),
    answerBlockMass: answerBlockMass && Float32Array.from(answerBlockMass),
    heatmap: heatmap && { ...heatmap, mask: Uint8Array.from(heatmap.mask) },
  };
}
