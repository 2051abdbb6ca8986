/**
 * Picks the next token from a row of logits: greedy, or temperature + top-k + top-p sampling, with
 * repetition control (a penalty over recent tokens and a no-repeat n-gram ban over the answer). Deterministic for a given seed (own PRNG, not Math.random), so a test or a
 * user can reproduce an answer.
 */

import { penalizeRecent, ngramBans, applyBans } from './repetitionControl';

export interface SamplerOptions {
  /** 0 (default) means greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK?: number;
  /** Keep the smallest set whose probability reaches p (1 = off). */
  topP?: number;
  /** > 1 makes tokens seen in the recent window less likely (llama.cpp's rule: divide positive logits, multiply negative ones). */
  repetitionPenalty?: number;
  /** How many recent tokens the penalty looks at. */
  repetitionWindow?: number;
  /** Forbid a token that would repeat an n-gram of this size already in the answer (0 = off). */
  noRepeatNgram?: number;
  seed?: number;
}

/** mulberry32: tiny, fast and good enough for sampling; the same seed gives the same stream. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Sampler {
  private readonly random: () => number;
  private readonly opts: Required<Omit<SamplerOptions, 'seed'>>;

  constructor(opts: SamplerOptions = {}) {
    this.opts = {
      temperature: opts.temperature ?? 0,
      topK: opts.topK ?? 40,
      topP: opts.topP ?? 0.95,
      repetitionPenalty: opts.repetitionPenalty ?? 1,
      repetitionWindow: opts.repetitionWindow ?? 64,
      noRepeatNgram: opts.noRepeatNgram ?? 0,
    };
    if (!(this.opts.temperature >= 0)) throw new Error(`temperature must be >= 0 (got ${opts.temperature}).`);
    if (!(this.opts.topP > 0 && this.opts.topP <= 1)) throw new Error(`top-p must be in (0, 1] (got ${opts.topP}).`);
    if (!(this.opts.repetitionPenalty > 0)) throw new Error(`repetition penalty must be > 0 (got ${opts.repetitionPenalty}).`);
    if (!(Number.isInteger(this.opts.noRepeatNgram) && this.opts.noRepeatNgram >= 0)) throw new Error(`no-repeat n-gram size must be a whole number >= 0 (got ${opts.noRepeatNgram}).`);
    this.random = seededRandom(opts.seed ?? 0x5eed);
  }

  /**
   * The next token id. `logits` is one row of the vocabulary; `history` the tokens so far (prompt + output);
   * `answerStart` where the output begins in `history` (the n-gram ban looks only at the output).
   */
  sample(logits: Float32Array, history: ArrayLike<number> = [], answerStart = 0): number {
    const { temperature, topK, topP, repetitionPenalty, repetitionWindow, noRepeatNgram } = this.opts;
    let scores = penalizeRecent(logits, history, repetitionPenalty, repetitionWindow);
    if (noRepeatNgram > 0) {
      const banned = ngramBans(history, answerStart, noRepeatNgram);
      // Never ban every candidate: an all -Infinity row has no sensible choice.
      if (banned.size > 0 && banned.size < scores.length) scores = applyBans(scores, banned, scores === logits);
    }
    if (temperature === 0) return argmax(scores);

    // Candidates sorted by score, cut to top-k before the softmax (cheap on a 50k-150k vocabulary).
    const k = topK > 0 ? Math.min(topK, scores.length) : scores.length;
    const candidates = topIndices(scores, k);
    const max = scores[candidates[0]];
    const probs = candidates.map((id) => Math.exp((scores[id] - max) / temperature));
    let sum = probs.reduce((a, b) => a + b, 0);
    // Nucleus cut: smallest prefix whose mass reaches topP.
    let keep = probs.length;
    if (topP < 1) {
      let acc = 0;
      for (let i = 0; i < probs.length; i++) {
        acc += probs[i] / sum;
        if (acc >= topP) { keep = i + 1; break; }
      }
      sum = probs.slice(0, keep).reduce((a, b) => a + b, 0);
    }
    let r = this.random() * sum;
    for (let i = 0; i < keep; i++) {
      r -= probs[i];
      if (r <= 0) return candidates[i];
    }
    return candidates[keep - 1];
  }
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Indices of the k largest entries, largest first (ties: lower index first). */
function topIndices(row: Float32Array, k: number): number[] {
  if (k >= row.length) return Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
  // Keep a small sorted list; k is tens, the vocabulary tens of thousands.
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (best.length === k && v <= row[best[k - 1]]) continue;
    let pos = best.length;
    while (pos > 0 && row[best[pos - 1]] < v) pos--;
    best.splice(pos, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}
