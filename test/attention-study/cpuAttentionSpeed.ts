// Times the CPU attention, dense vs UniSparse (and the plan alone), on the accuracy study's planted input
// (8 q / 4 kv heads, d 64: sink, local, needles and one near-uniform kv head). Reports wall time with all cores
// and CPU time of a one-thread run (steadier on a shared machine), with FLOPs and GFLOP/s beside them.
// Usage: node -r ./test/register.js test/attention-study/cpuAttentionSpeed.ts [seq ...] [--chunk N]
// --chunk N: only the last N query rows against all seq keys, the shape of one CPU prefill chunk at the end of a
// seq-token prompt (the runtime prefills 256 tokens per call on two cores), where the plan's exact check of the
// chunk's last block weighs most.
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

/** The last `rows` query rows of every head ([heads, seq, d] -> [heads, rows, d]). */
function lastRows(q: Float32Array, heads: number, seq: number, d: number, rows: number): Float32Array {
  const out = new Float32Array(heads * rows * d);
  for (let h = 0; h < heads; h++) out.set(q.subarray((h * seq + seq - rows) * d, (h + 1) * seq * d), h * rows * d);
  return out;
}

const args = process.argv.slice(2);
const at = args.indexOf('--chunk');
const chunk = at >= 0 ? Number(args.splice(at, 2)[1]) : 0;
const lengths = args.map(Number).filter((n) => n > 0);
for (const seq of lengths.length ? lengths : [4096, 16384]) {
  const { t } = plantedWorkload(seq);
  const rows = chunk > 0 ? Math.min(chunk, seq) : seq;
  const q = rows < seq ? lastRows(t.q, t.heads, seq, t.headDim, rows) : t.q;
  const opts = { heads: t.heads, kvHeads: t.kvHeads, headDim: t.headDim, causal: true, blockSize: 64 };
  // Causal dense FLOPs: QK^T and PV, 2 flops per multiply-add, over the visible keys of each query row.
  const denseFlops = 4 * t.heads * t.headDim * rows * (seq - (rows - 1) / 2);
  const dense = measure(() => native.attention(q, t.k, t.v, { ...opts, mode: 'dense', threads: 1 }));
  console.log(`seq ${seq}${rows < seq ? `, last ${rows} rows` : ''}: dense 1 thread ${dense.cpuMs.toFixed(0)} ms cpu (${(denseFlops / dense.cpuMs / 1e6).toFixed(1)} GFLOP/s)`);
  for (const tau of [0.9, 0.95, 0.985]) {
    const plan = measure(() => native.attentionPlan(q, t.k, { ...opts, mode: 'unisparse', tau, threads: 1 }));
    const sparse = measure(() => native.attention(q, t.k, t.v, { ...opts, mode: 'unisparse', tau, threads: 1 }));
    const density = (sparse.result as { density: number }).density;
    console.log(`  tau ${tau}: density ${density.toFixed(3)}, sparse ${sparse.cpuMs.toFixed(0)} ms cpu ` +
      `(plan ${plan.cpuMs.toFixed(0)} ms = ${(100 * plan.cpuMs / sparse.cpuMs).toFixed(0)}%), ${(dense.cpuMs / sparse.cpuMs).toFixed(2)}x vs dense`);
  }
}
