// Times the CPU attention (dense vs UniSparse, plan alone) on SmolLM2-135M's attention shape (9 query heads,
// 3 kv heads, head dim 64) with planted structure. Usage: node -r ./test/register.js
// test/attention-study/cpuAttentionSpeed.ts [seq ...]. Prints FLOPs and GFLOP/s beside each time.
import { plantedAttention } from '../support/plantedAttention';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

const heads = 9, kvHeads = 3, headDim = 64;
const lengths = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const seq of lengths.length ? lengths : [2048, 8192]) {
  const t = plantedAttention({ heads, kvHeads, headDim, seq, seed: 1,
    needles: [{ keyPos: Math.floor(seq / 5), width: 16, queryFrom: Math.floor(seq * 0.8), queryTo: seq, strength: 4 }] });
  const opts = { heads, kvHeads, headDim, causal: true, blockSize: 64 };
  const time = (f: () => unknown) => { const t0 = process.hrtime.bigint(); const r = f(); return { r, ms: Number(process.hrtime.bigint() - t0) / 1e6 }; };
  time(() => native.attention(t.q, t.k, t.v, { ...opts, mode: 'dense' }));   // warm-up
  const dense = time(() => native.attention(t.q, t.k, t.v, { ...opts, mode: 'dense' }));
  // Causal dense FLOPs: QK^T and PV, 2 flops per multiply-add, half the square.
  const denseFlops = 4 * heads * headDim * seq * seq / 2;
  const row = [`seq ${seq}`, `dense ${dense.ms.toFixed(1)} ms (${(denseFlops / dense.ms / 1e6).toFixed(1)} GFLOP/s)`];
  for (const tau of [0.9, 0.95]) {
    const plan = time(() => native.attentionPlan(t.q, t.k, { ...opts, mode: 'unisparse', tau }));
    const sparse = time(() => native.attention(t.q, t.k, t.v, { ...opts, mode: 'unisparse', tau }));
    row.push(`tau ${tau}: sparse ${sparse.ms.toFixed(1)} ms (plan ${plan.ms.toFixed(1)} ms, density ${(sparse.r as any).density.toFixed(3)}, ` +
      `${(dense.ms / sparse.ms).toFixed(2)}x)`);
  }
  console.log(row.join(' | '));
}
