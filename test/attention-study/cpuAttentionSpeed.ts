// Times the CPU attention, dense vs UniSparse (and the plan alone), on the accuracy study's planted input
// (8 q / 4 kv heads, d 64: sink, local, needles and one near-uniform kv head). Reports wall time with all cores
// and CPU time of a one-thread run (steadier on a shared machine), with FLOPs and GFLOP/s beside them.
// Usage: node -r ./test/register.js test/attention-study/cpuAttentionSpeed.ts [seq ...]
import { plantedWorkload } from './plantedStudy';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

function measure(f: () => unknown) {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const result = f();
  const cpu = process.cpuUsage(cpu0);
  return { result, wallMs: Number(process.hrtime.bigint() - wall0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1e3 };
}

const lengths = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const seq of lengths.length ? lengths : [4096, 16384]) {
  const { t } = plantedWorkload(seq);
  const opts = { heads: t.heads, kvHeads: t.kvHeads, headDim: t.headDim, causal: true, blockSize: 64 };
  // Causal dense FLOPs: QK^T and PV, 2 flops per multiply-add, half the square.
  const denseFlops = 4 * t.heads * t.headDim * seq * seq / 2;
  const dense = measure(() => native.attention(t.q, t.k, t.v, { ...opts, mode: 'dense', threads: 1 }));
  console.log(`seq ${seq}: dense 1 thread ${dense.cpuMs.toFixed(0)} ms cpu (${(denseFlops / dense.cpuMs / 1e6).toFixed(1)} GFLOP/s)`);
  for (const tau of [0.9, 0.95, 0.985]) {
    const plan = measure(() => native.attentionPlan(t.q, t.k, { ...opts, mode: 'unisparse', tau, threads: 1 }));
    const sparse = measure(() => native.attention(t.q, t.k, t.v, { ...opts, mode: 'unisparse', tau, threads: 1 }));
    const density = (sparse.result as { density: number }).density;
    console.log(`  tau ${tau}: density ${density.toFixed(3)}, sparse ${sparse.cpuMs.toFixed(0)} ms cpu ` +
      `(plan ${plan.cpuMs.toFixed(0)} ms = ${(100 * plan.cpuMs / sparse.cpuMs).toFixed(0)}%), ${(dense.cpuMs / sparse.cpuMs).toFixed(2)}x vs dense`);
  }
}
