// Before timing, check that both runtimes compute the same model: next-token distributions at some
// prompt positions, ours (softmax of our logits) vs llama.cpp's probabilities. A speed ratio between two
// runtimes that disagree would mean nothing. With --reference, both are also compared with the float64
// reference (test/support/llamaReference.ts) on the real model's exact stored weights.
'use strict';
const path = require('path');

function softmax(row) {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const p = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) { p[i] = Math.exp(row[i] - max); sum += p[i]; }
  for (let i = 0; i < row.length; i++) p[i] /= sum;
  return p;
}

function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** Top-1 agreement, largest probability gap and mean KL(expected || actual) in nats over rows. */
function distributionStats(actual, expected) {
  let top1 = 0, maxGap = 0, kl = 0;
  actual.forEach((p, r) => {
    const q = expected[r];
    if (argmax(p) === argmax(q)) top1++;
    for (let i = 0; i < p.length; i++) {
      maxGap = Math.max(maxGap, Math.abs(p[i] - q[i]));
      if (q[i] > 0) kl += (q[i] * Math.log(q[i] / Math.max(p[i], 1e-30))) / actual.length;
    }
  });
  return { positions: actual.length, top1Agreement: top1 / actual.length, maxProbabilityGap: maxGap, meanKlNats: kl };
}

/** Next-token distributions after each of `positions` for one prefill of `tokens`, from both runtimes. */
async function nextTokenDistributions(ours, llamaCppModel, tokens, positions, threads) {
  const wanted = new Set(positions);
  const context = await llamaCppModel.createContext({ contextSize: tokens.length + 64, batchSize: 512, threads: { ideal: threads, min: threads } });
  let out;
  try {
    const input = tokens.map((t, i) => (wanted.has(i)
      ? [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 1 << 20, topP: 1, minP: 0 } } }] : t));
    out = await context.getSequence().controlledEvaluate(input);
  } finally {
    await context.dispose();
  }
  const logits = ours.logitsAt(tokens, positions);
  const V = logits.length / positions.length;
  const oursRows = positions.map((_, r) => softmax(logits.subarray(r * V, (r + 1) * V)));
  const theirRows = positions.map((pos) => {
    const q = new Float64Array(V);
    for (const [tok, prob] of out[pos].next.probabilities) q[tok] = prob;
    return q;
  });
  return { ours: oursRows, llamaCpp: theirRows };
}

/** The float64 reference's next-token distributions after every token (slow: ~1 s per token for 135M). */
async function referenceDistributions(modelPath, tokens) {
  require(path.join(__dirname, '..', '..', 'register.js')); // lets Node load the .ts test support
  const { loadGgufReference } = require('../../support/ggufReferenceLoader.ts');
  const { referenceLogits } = require('../../support/llamaReference.ts');
  const { cfg, reference } = await loadGgufReference(modelPath);
  const logits = referenceLogits(cfg, reference, tokens);
  const V = cfg.vocabSize;
  return tokens.map((_, r) => softmax(logits.subarray(r * V, (r + 1) * V)));
}

module.exports = { nextTokenDistributions, referenceDistributions, distributionStats };
