// Writes real attention inputs for the GPU checks: post-RoPE Q/K/V of SmolLM2-135M (captured on our CPU runtime over
// TypeScript's lib .d.ts text), rounded to bf16 as the GPU sees them, plus the CPU plan for those rounded inputs, so
// test/gpu/check_real_activations.py can compare the CUDA kernels and the CUDA plan against them on the GPU machine
// (which has neither the model nor the network). Run here:
//   node -r ./test/register.js test/gpu/captureRealActivations.ts <outDir> [tokens=4096] [layers=8,22]
// Tensors are written as raw bf16 (.bf16, half the bytes of float32) so 8K tokens of several layers fit the
// 64 MiB that travels to the GPU machine.
import * as fs from 'fs';
import * as path from 'path';
import { captureLayers, defaultModelPath, realSourceTokens } from '../attention-study/realActivations';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

/** The upper halves of bf16-rounded float32 values: raw bf16. */
function bf16Bits(rounded: Float32Array): Uint16Array {
  const bits = new Uint32Array(rounded.buffer, rounded.byteOffset, rounded.length);
  return Uint16Array.from(bits, (b) => b >>> 16);
}

/** Round-to-nearest-even to bf16, kept in a float32 container (the GPU converts the same way). */
function roundToBf16(values: ArrayLike<number>): Float32Array {
  const x = Float32Array.from(values);
  const bits = new Uint32Array(x.buffer);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    bits[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 0) & 0xffff0000;
  }
  return x;
}

async function main(): Promise<void> {
  const [outDir, tokensArg, layersArg] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: captureRealActivations.ts <outDir> [tokens] [layers]');
  const n = Number(tokensArg || 4096);
  const layers = (layersArg || '8,22').split(',').map(Number);
  const blockSize = 64;
  const tau = 0.985;
  fs.mkdirSync(outDir, { recursive: true });
  const tokens = await realSourceTokens(defaultModelPath, n);
  const captured = captureLayers(defaultModelPath, tokens, layers);
  const manifest: Record<string, unknown>[] = [];
  for (const [layer, c] of captured) {
    const q = roundToBf16(c.q), k = roundToBf16(c.k), v = roundToBf16(c.v);
    const opts = { heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, causal: true, mode: 'unisparse', blockSize, tau };
    const plan = native.attentionPlan(q, k, opts);
    const nb = plan.nBlocks;
    const mask = new Uint8Array(c.kvHeads * nb * nb);
    for (let h = 0; h < c.kvHeads; h++) {
      for (let r = 0; r < plan.nQueryBlocks; r++) {
        const row = h * plan.nQueryBlocks + r;
        for (let i = plan.rowPtr[row]; i < plan.rowPtr[row + 1]; i++) mask[(h * nb + r + plan.firstQueryBlock) * nb + plan.keyBlocks[i]] = 1;
      }
    }
    const base = `layer${layer}`;
    fs.writeFileSync(path.join(outDir, `${base}.q.bf16`), bf16Bits(q));
    fs.writeFileSync(path.join(outDir, `${base}.k.bf16`), bf16Bits(k));
    fs.writeFileSync(path.join(outDir, `${base}.v.bf16`), bf16Bits(v));
    fs.writeFileSync(path.join(outDir, `${base}.cpu-mask.u8`), mask);
    manifest.push({ layer, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, seq: c.seq, blockSize, tau,
      granularities: [4, 16], nBlocks: nb, cpuDensity: plan.density, files: base });
    console.log(`layer ${layer}: ${c.heads} q / ${c.kvHeads} kv heads, d ${c.headDim}, ${c.seq} tokens, CPU plan density ${plan.density.toFixed(3)}`);
  }
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify({ model: path.basename(defaultModelPath), layers: manifest }, null, 1));
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
