// Opens the real SmolLM2 with the native runtime, for tests that compare against Model.eval directly.
import { openNativeModel, NativeModel } from '../../server/engine/child/nativeModel';
import { smolLm2Path } from './modelFile';

export function openSmolLm2(opts: { attention?: 'dense' | 'unisparse' } = {}): NativeModel {
  return openNativeModel(smolLm2Path(), { attention: opts.attention ?? 'dense' });
}

/** Mean negative log-likelihood of each next token, from logits rows [n, vocab]. */
export function meanNll(logits: Float32Array, tokens: number[], vocab: number): number {
  let total = 0;
  for (let i = 0; i + 1 < tokens.length; i++) {
    const row = logits.subarray(i * vocab, (i + 1) * vocab);
    let max = -Infinity;
    for (let j = 0; j < vocab; j++) if (row[j] > max) max = row[j];
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(row[j] - max);
    total += -(row[tokens[i + 1]] - max - Math.log(sum));
  }
  return total / (tokens.length - 1);
}
