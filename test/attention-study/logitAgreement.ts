// End-to-end effect of sparse prefill on SmolLM2-135M: the same real source text through a dense and a
// UniSparse prefill, comparing next-token distributions at the last `positions` tokens (top-1 agreement and
// mean KL(dense || sparse)). Every layer runs sparse, so this compounds the per-layer errors the study measures.
// Usage: node -r ./test/register.js test/attention-study/logitAgreement.ts [seq] [tau ...] [--positions N]
//        [--neighbour-shares 0,0.05] (neighbour expansion thresholds to compare; default: the runtime's default)
//        [--integer-kernels]
// Both prefills run their matmuls in fp32 (the model's exactMatmul) unless --integer-kernels asks for the shipped
// 8-bit activations, whose rounding flips 2% of near-tied predictions under any change to the attention, 1e-6
// included: that count measures the rounding, not the plan (README, "Top-1 agreement"). Results before 2026-12-02
// used the integer kernels.
import { defaultModelPath, realSourceTokens } from './realActivations';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (x) => x - lse);
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export async function logitAgreement(seq: number, taus: number[], positions = 128, modelPath = defaultModelPath,
  neighbourShares: (number | undefined)[] = [undefined], exactMatmul = true) {
  const tokens = Int32Array.from(await realSourceTokens(modelPath, seq));
  const rows = Array.from({ length: positions }, (_, i) => seq - positions + i);
  const run = (mode: 'dense' | 'unisparse', tau?: number, neighbourShare?: number) => {
    const model = new native.Model(modelPath, { attention: mode, tau, maxContext: seq + 16, neighbourShare, exactMatmul });
    try {
      const started = Date.now();
      const logits: Float32Array = model.eval(tokens, { logits: rows });
      const seconds = (Date.now() - started) / 1000;
      const density = mode === 'unisparse' ? model.lastAttention()?.density : 1;
      return { logits, seconds, density };
    } finally {
      model.dispose();
    }
  };
  const dense = run('dense');
  const vocab = dense.logits.length / positions;
  const results = [];
  for (const tau of taus) for (const neighbourShare of neighbourShares) {
    const sparse = run('unisparse', tau, neighbourShare);
    let agree = 0, kl = 0;
    for (let r = 0; r < positions; r++) {
      const p = logSoftmax(dense.logits.subarray(r * vocab, (r + 1) * vocab));
      const q = logSoftmax(sparse.logits.subarray(r * vocab, (r + 1) * vocab));
      if (argmax(p) === argmax(q)) agree++;
      for (let i = 0; i < vocab; i++) kl += Math.exp(p[i]) * (p[i] - q[i]);
    }
    results.push({ seq, tau, neighbourShare, exactMatmul, positions, top1Agreement: agree / positions, meanKl: kl / positions,
      density: sparse.density, denseSeconds: dense.seconds, sparseSeconds: sparse.seconds });
  }
  return results;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--positions');
  const positions = at >= 0 ? Number(args.splice(at, 2)[1]) : 128;
  const ns = args.indexOf('--neighbour-shares');
  const shares = ns >= 0 ? args.splice(ns, 2)[1].split(',').map(Number) : [undefined];
  const integer = args.indexOf('--integer-kernels');
  if (integer >= 0) args.splice(integer, 1);
  const seq = Number(args[0] ?? 2048);
  const taus = args.slice(1).map(Number);
  logitAgreement(seq, taus.length ? taus : [0.9, 0.95, 0.995], positions, defaultModelPath, shares, integer < 0).then((r) => console.log(JSON.stringify(r, null, 1)),
    (e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
