// Llama-3 rope scaling, written from the published formula (transformers' _compute_llama3_parameters),
// shared by the reference and the GGUF writer (llama.cpp's converter stores it as rope_freqs.weight).
import { Llama3RopeScaling } from './tinyLlama';

/** Inverse frequencies of rotary dimension pairs before scaling: theta^(-2i/d). */
export function baseInverseFrequencies(headDim: number, theta: number): Float64Array {
  const f = new Float64Array(headDim / 2);
  for (let i = 0; i < f.length; i++) f[i] = 1 / theta ** ((2 * i) / headDim);
  return f;
}

/** Per-pair divisor of the inverse frequency: 1 for short wavelengths, `factor` for long, smooth between. */
export function llama3RopeFactors(headDim: number, theta: number, s: Llama3RopeScaling): Float64Array {
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return baseInverseFrequencies(headDim, theta).map((freq) => {
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) return 1;
    if (wavelen > lowWavelen) return s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return 1 / ((1 - smooth) / s.factor + smooth);
  });
}

/** The inverse frequencies HF uses: base ones divided by the Llama-3 factors when scaling is on. */
export function inverseFrequencies(headDim: number, theta: number, s?: Llama3RopeScaling): Float64Array {
  const base = baseInverseFrequencies(headDim, theta);
  if (!s) return base;
  const factors = llama3RopeFactors(headDim, theta, s);
  return base.map((f, i) => f / factors[i]);
}
