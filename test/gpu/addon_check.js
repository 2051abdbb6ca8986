#!/usr/bin/env node
// End-to-end check of the Node binding's CUDA path on the GPU machine: the same attention() call with
// device 'cpu' and device 'cuda' on bf16-representable inputs with planted structure must give the same block
// mask (ties aside) and outputs within bf16 tolerance (max abs 2e-2, relative 1e-2); bad input must come back as
// an Error with a sentence. Needs the addon built with CUDA (test/gpu/run.sh builds it when node is on PATH).
'use strict';
const path = require('path');
const native = require(path.join(__dirname, '..', '..', 'native'));

let failures = 0;
const fail = (msg) => { failures += 1; console.log(`FAIL ${msg}`); };

// Deterministic Gaussian stream (xorshift + Box-Muller).
function rng(seed) {
  let s = seed >>> 0 || 1;
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function roundBf16(a) {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < bits.length; i++) bits[i] = ((bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) & 0xffff0000) >>> 0;
  return a;
}

// Local windows (a drifting direction), a sink at keys 0..3, one needle span per kv head; noise everywhere.
function planted(heads, kvHeads, n, d, seed) {
  const g = rng(seed), scale = 1 / Math.sqrt(d), dl = d / 2, group = heads / kvHeads;
  const q = new Float32Array(heads * n * d).map(() => 0.3 * g());
  const k = new Float32Array(kvHeads * n * d).map(() => 0.3 * g());
  const v = new Float32Array(kvHeads * n * d).map(() => g());
  const alpha = Math.sqrt(12 / scale), sink = Math.sqrt(10 / scale), amp = Math.sqrt(12 / scale);
  for (let h = 0; h < kvHeads; h++) {
    const anchors = Array.from({ length: Math.floor(n / 64) + 2 }, () => Array.from({ length: dl }, g));
    const start = Math.floor(n * (0.1 + 0.5 * ((h * 0.37) % 1))), w = Array.from({ length: d - dl - 1 }, g);
    const wn = Math.hypot(...w);
    for (let t = 0; t < n; t++) {
      const f = (t % 64) / 64, a0 = anchors[Math.floor(t / 64)], a1 = anchors[Math.floor(t / 64) + 1];
      const z = a0.map((x, i) => (1 - f) * x + f * a1[i]), zn = Math.hypot(...z);
      for (let i = 0; i < dl; i++) {
        k[(h * n + t) * d + i] += (z[i] / zn) * alpha;
        for (let r = 0; r < group; r++) q[((h * group + r) * n + t) * d + i] += (z[i] / zn) * alpha;
      }
      if (t < 4) k[(h * n + t) * d + dl] += sink;
      for (let r = 0; r < group; r++) q[((h * group + r) * n + t) * d + dl] += sink;
      for (let i = 0; i < w.length; i++) {
        if (t >= start && t < start + 48) k[(h * n + t) * d + dl + 1 + i] += (w[i] / wn) * amp;
        if (t >= start + 48) for (let r = 0; r < group; r++) q[((h * group + r) * n + t) * d + dl + 1 + i] += (w[i] / wn) * amp;
      }
    }
  }
  return { q: roundBf16(q), k: roundBf16(k), v: roundBf16(v) };
}

function compareOut(name, a, b) {
  let maxAbs = 0, num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= maxAbs)) maxAbs = Number.isNaN(e) ? Infinity : Math.max(maxAbs, e);
    num += e * e; den += a[i] * a[i];
  }
  const rel = Math.sqrt(num / den);
  console.log(`${name}: out max abs ${maxAbs.toExponential(3)}, rel ${rel.toExponential(3)}`);
  if (!(maxAbs <= 2e-2 && rel <= 1e-2)) fail(`${name}: output over tolerance`);
}

async function main() {
  console.log(`addon backend: ${native.backend}`);
  if (native.backend !== 'cuda') fail('the addon was built without CUDA');
  const cases = [
    { heads: 12, kvHeads: 2, headDim: 128, n: 1500, blockSize: 64, tau: 0.95 },
    { heads: 4, kvHeads: 4, headDim: 64, n: 2085, blockSize: 128, tau: 0.9 },
  ];
  for (const c of cases) {
    const { q, k, v } = planted(c.heads, c.kvHeads, c.n, c.headDim, 7 + c.n);
    const base = { heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, causal: true, blockSize: c.blockSize, tau: c.tau };
    const name = `${c.heads}q/${c.kvHeads}kv d${c.headDim} N=${c.n} S=${c.blockSize} tau=${c.tau}`;
    // Token ids from 30 values (3-token repeats are common), so the plans also keep copy sources.
    const draw = rng(3 + c.n);
    const tokens = Int32Array.from({ length: c.n }, () => Math.floor(Math.abs(draw()) * 1000) % 30);  // draw() is Gaussian
    for (const [mode, extra] of [['dense', {}], ['unisparse', {}], ['unisparse + copy sources', { tokens }]]) {
      const opts = { ...base, ...extra, mode: mode.split(' ')[0] };
      const cpu = native.attention(q, k, v, { ...opts, device: 'cpu' });
      const gpu = native.attention(q, k, v, { ...opts, device: 'cuda' });
      let same = 0;
      for (let i = 0; i < cpu.mask.length; i++) same += cpu.mask[i] === gpu.mask[i] ? 1 : 0;
      const agreement = same / cpu.mask.length;
      console.log(`${name} ${mode}: density cpu ${cpu.density.toFixed(4)} gpu ${gpu.density.toFixed(4)}, mask agreement ${agreement.toFixed(5)}`);
      if (agreement < 0.999) fail(`${name} ${mode}: GPU mask differs from the CPU mask on ${((1 - agreement) * 100).toFixed(2)}% of entries`);
      compareOut(`${name} ${mode} cuda vs cpu`, cpu.out, gpu.out);
    }
    if (native.attentionAsync) {
      const sync = native.attention(q, k, v, { ...base, mode: 'unisparse', device: 'cuda' });
      const async = await native.attentionAsync(q, k, v, { ...base, mode: 'unisparse', device: 'cuda' });
      compareOut(`${name} attentionAsync vs attention (cuda)`, sync.out, async.out);
    }
  }
  const bad = [
    ['head dim 96', () => native.attention(new Float32Array(4 * 64 * 96), new Float32Array(2 * 64 * 96), new Float32Array(2 * 64 * 96),
      { heads: 4, kvHeads: 2, headDim: 96, mode: 'unisparse', device: 'cuda' })],
    ['blockSize 32 on cuda', () => native.attention(new Float32Array(4 * 64 * 64), new Float32Array(2 * 64 * 64), new Float32Array(2 * 64 * 64),
      { heads: 4, kvHeads: 2, headDim: 64, mode: 'unisparse', blockSize: 32, device: 'cuda' })],
  ];
  for (const [name, fn] of bad) {
    try { fn(); fail(`bad input '${name}' was accepted`); } catch (e) { console.log(`bad input '${name}': ${e.message}`); }
  }
  console.log(`ADDON CHECK ${failures ? 'FAILED' : 'PASSED'} (${failures} failures)`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.log(`ADDON CHECK FAILED: ${e.stack}`); process.exit(1); });
