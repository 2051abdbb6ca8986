/**
 * Repetition control for decoding. Small models fall into loops (the same paragraph again and again until
 * the length limit); two rules break them:
 * - a penalty on tokens seen in a recent window (llama.cpp's rule: divide positive logits, multiply negative
 *   ones), which makes a repeat less likely but still possible;
 * - a no-repeat n-gram ban over the answer so far: a token that would complete an n-gram the answer already
 *   contains is forbidden, so an exact loop cannot go past its first n-1 tokens.
 * The ban looks only at the answer, not at the prompt, so the model can still quote the code it was given.
 */

/** Scores with the recent-window penalty applied (a copy; the input row is left alone). */
export function penalizeRecent(logits: Float32Array, history: ArrayLike<number>, penalty: number, window: number): Float32Array {
  if (penalty === 1 || history.length === 0 || window <= 0) return logits;
  const scores = Float32Array.from(logits);
  const seen = new Set<number>();
  for (let i = Math.max(0, history.length - window); i < history.length; i++) seen.add(history[i]);
  for (const id of seen) {
    if (id < 0 || id >= scores.length) continue;
    scores[id] = scores[id] > 0 ? scores[id] / penalty : scores[id] * penalty;
  }
  return scores;
}

/**
 * Token ids that would complete an n-gram already present in `tokens[from..]`: for each earlier position
 * whose n-1 tokens equal the last n-1 tokens, the token that followed there.
 */
export function ngramBans(tokens: ArrayLike<number>, from: number, n: number): Set<number> {
  const banned = new Set<number>();
  const end = tokens.length;
  const start = Math.max(0, from);
  if (n < 1 || end - start < n - 1) return banned;
  if (n === 1) {
    for (let i = start; i < end; i++) banned.add(tokens[i]);
    return banned;
  }
  const tail = end - (n - 1); // first index of the current (n-1)-token suffix
  for (let i = start; i + n - 1 < end; i++) {
    let same = true;
    for (let j = 0; j < n - 1; j++) {
      if (tokens[i + j] !== tokens[tail + j]) { same = false; break; }
    }
    if (same) banned.add(tokens[i + n - 1]);
  }
  return banned;
}

/** Sets banned tokens to -Infinity (a copy when anything is banned). */
export function applyBans(scores: Float32Array, banned: Set<number>, copy: boolean): Float32Array {
  if (banned.size === 0) return scores;
  const out = copy ? Float32Array.from(scores) : scores;
  for (const id of banned) if (id >= 0 && id < out.length) out[id] = -Infinity;
  return out;
}
