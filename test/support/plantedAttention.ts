// Q/K/V with attention structure planted where we choose, for tests and the accuracy study. Random Gaussian
// Q/K alone give flat attention (every block matters a little), which says nothing about a sparse method; real
// LLM heads show an attention sink, a local window and a few distant "needles". This generator plants those,
// with a seeded PRNG so failures reproduce.

export interface PlantedSpec {
  heads: number; kvHeads: number; headDim: number; seq: number; seed: number;
  /** strength of the sink: every query and the first `sinkTokens` keys share a direction */
  sink?: number; sinkTokens?: number;
  /** strength of the local window (rotary-like position code in the first `localDims` dims) */
  local?: number; localDims?: number;
  /** distant needles: keys at `keyPos..keyPos+width` answer queries at `queryFrom..queryTo` */
  needles?: { keyPos: number; width: number; queryFrom: number; queryTo: number; strength: number }[];
  /** kv heads whose queries are scaled down so their attention is near uniform */
  flatKvHeads?: number[];
  noise?: number;
  /** angular frequencies (radians per token) of the local code, highest and lowest; default 0.5 and 0.5/64 */
  maxFreq?: number; minFreq?: number;
}

import { seededRandom } from './random';

export interface PlantedTensors { q: Float32Array; k: Float32Array; v: Float32Array }


export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function unitVector(rand: () => number, d: number, from: number): Float64Array {
  const x = new Float64Array(d);
  let n = 0;
  for (let i = from; i < d; i++) { x[i] = gaussian(rand); n += x[i] * x[i]; }
  n = Math.sqrt(n);
  for (let i = from; i < d; i++) x[i] /= n;
  return x;
}

export function plantedAttention(p: PlantedSpec): PlantedTensors {
  const { heads, kvHeads, headDim: d, seq } = p;
  const rand = seededRandom(p.seed);
  const noise = p.noise ?? 0.3;
  const localDims = Math.min(p.localDims ?? 16, d - 2) & ~1;
  const group = heads / kvHeads;
  const q = new Float32Array(heads * seq * d);
  const k = new Float32Array(kvHeads * seq * d);
  const v = new Float32Array(kvHeads * seq * d);
  for (let i = 0; i < q.length; i++) q[i] = noise * gaussian(rand);
  for (let i = 0; i < k.length; i++) { k[i] = noise * gaussian(rand); v[i] = gaussian(rand); }
  // Frequencies spread geometrically so the sum of cosines peaks at distance 0 and decays over ~1/wmin tokens.
  const maxFreq = p.maxFreq ?? 0.5, minFreq = p.minFreq ?? 0.5 / 64;
  const freqs = Array.from({ length: localDims / 2 }, (_, i) => maxFreq * Math.pow(minFreq / maxFreq, i / Math.max(localDims / 2 - 1, 1)));
  for (let kh = 0; kh < kvHeads; kh++) {
    // Directions live outside the local dims so the planted signals do not interfere with each other.
    const sinkDir = unitVector(rand, d, localDims);
    const needleDirs = (p.needles ?? []).map(() => unitVector(rand, d, localDims));
    const flat = (p.flatKvHeads ?? []).includes(kh);
    const sink = p.sink ?? 3, local = p.local ?? 2.5;
    for (let pos = 0; pos < seq; pos++) {
      const kRow = (kh * seq + pos) * d;
      if (pos < (p.sinkTokens ?? 4)) for (let c = 0; c < d; c++) k[kRow + c] += sink * sinkDir[c];
      freqs.forEach((w, f) => { k[kRow + 2 * f] += local * Math.cos(w * pos); k[kRow + 2 * f + 1] += local * Math.sin(w * pos); });
      (p.needles ?? []).forEach((n, i) => {
        if (pos >= n.keyPos && pos < n.keyPos + n.width) for (let c = 0; c < d; c++) k[kRow + c] += n.strength * needleDirs[i][c];
      });
      for (let h = kh * group; h < (kh + 1) * group; h++) {
        const qRow = (h * seq + pos) * d;
        for (let c = 0; c < d; c++) q[qRow + c] += sink * sinkDir[c];
        freqs.forEach((w, f) => { q[qRow + 2 * f] += local * Math.cos(w * pos); q[qRow + 2 * f + 1] += local * Math.sin(w * pos); });
        (p.needles ?? []).forEach((n, i) => {
          if (pos >= n.queryFrom && pos < n.queryTo) for (let c = 0; c < d; c++) q[qRow + c] += n.strength * needleDirs[i][c];
        });
        if (flat) for (let c = 0; c < d; c++) q[qRow + c] *= 0.02;
      }
    }
  }
  return { q, k, v };
}
