// An independent float64 forward pass of a Llama-family decoder in Hugging Face semantics (the
// transformers modeling_llama / modeling_qwen2 math), written for clarity, not speed. It is the
// trusted side of every logits comparison: Float64Array everywhere, no caches, no shortcuts.
import { TinyLlamaConfig } from './tinyLlama';
import { ReferenceWeights } from './ggufFromHf';
import { inverseFrequencies } from './ropeScaling';

function tensor(w: ReferenceWeights, name: string): Float64Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: weight ${name} is missing`);
  return t;
}

/** y[rows] = W[rows, cols] x (+ b). */
function linearRaw(W: Float64Array, x: Float64Array, rows: number, bias?: Float64Array): Float64Array {
  const cols = x.length;
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = bias ? bias[r] : 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += W[o + c] * x[c];
    y[r] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, w: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * w[i]);
}

/** HF rotate_half RoPE on one head vector in place: pairs (i, i + d/2). */
function applyRope(x: Float64Array, offset: number, headDim: number, pos: number, invFreq: Float64Array): void {
  const half = headDim / 2;
  for (let i = 0; i < half; i++) {
    const a = pos * invFreq[i];
    const c = Math.cos(a), s = Math.sin(a);
    const x1 = x[offset + i], x2 = x[offset + i + half];
    x[offset + i] = x1 * c - x2 * s;
    x[offset + i + half] = x2 * c + x1 * s;
  }
}

const silu = (v: number) => v / (1 + Math.exp(-v));

/** Rounds half to even, like C's nearbyint in the default rounding mode. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The activation rounding of llama.cpp-style integer dot products (q8_0 / q8_1 activations): per block
 * of 32 values, d = max|x| / 127 and x -> round(x / d) * d. Simulating it lets a test separate this
 * deliberate approximation from real errors.
 */
export function quantizeActivationsQ8(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let b = 0; b < x.length; b += 32) {
    let amax = 0;
    for (let j = b; j < b + 32; j++) amax = Math.max(amax, Math.abs(x[j]));
    const d = Math.fround(amax / 127);
    const inv = d > 0 ? Math.fround(1 / d) : 0;
    for (let j = b; j < b + 32; j++) y[j] = roundHalfEven(Math.fround(x[j] * inv)) * d;
  }
  return y;
}

export interface ReferenceOptions {
  /** HF weight names whose matmul inputs are rounded by quantizeActivationsQ8 first. */
  q8ActivationsFor?: (weightName: string) => boolean;
  /** Receives each layer's post-RoPE q, k, v per position (HF rotate_half layout, heads concatenated). */
  onLayerQkv?: (layer: number, q: Float64Array[], k: Float64Array[], v: Float64Array[]) => void;
}

/**
 * Logits [tokens.length, vocab] for the tokens at positions 0..n-1 (causal, one sequence).
 */
export function referenceLogits(cfg: TinyLlamaConfig, w: ReferenceWeights, tokens: number[], opts: ReferenceOptions = {}): Float64Array {
  const linear = (name: string, x: Float64Array, rows: number, bias?: Float64Array) =>
    linearRaw(tensor(w, name), opts.q8ActivationsFor?.(name) ? quantizeActivationsQ8(x) : x, rows, bias);
  const { hiddenSize: H, nHeads, nKvHeads, headDim: hd, vocabSize: V, intermediateSize: F } = cfg;
  const n = tokens.length;
  const group = nHeads / nKvHeads;
  const invFreq = inverseFrequencies(hd, cfg.ropeTheta, cfg.ropeScaling);
  const embed = tensor(w, 'model.embed_tokens.weight');
  let xs: Float64Array[] = tokens.map((t) => {
    if (t < 0 || t >= V) throw new Error(`reference: token ${t} outside the vocabulary of ${V}`);
    return embed.slice(t * H, (t + 1) * H);
  });
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `model.layers.${l}.`;
    const bias = (n: string) => (cfg.qkvBias ? tensor(w, p + n) : undefined);
    const qs: Float64Array[] = [], ks: Float64Array[] = [], vs: Float64Array[] = [];
    xs.forEach((x, pos) => {
      const h = rmsNorm(x, tensor(w, p + 'input_layernorm.weight'), cfg.rmsNormEps);
      const q = linear(p + 'self_attn.q_proj.weight', h, nHeads * hd, bias('self_attn.q_proj.bias'));
      const k = linear(p + 'self_attn.k_proj.weight', h, nKvHeads * hd, bias('self_attn.k_proj.bias'));
      const v = linear(p + 'self_attn.v_proj.weight', h, nKvHeads * hd, bias('self_attn.v_proj.bias'));
      for (let head = 0; head < nHeads; head++) applyRope(q, head * hd, hd, pos, invFreq);
      for (let head = 0; head < nKvHeads; head++) applyRope(k, head * hd, hd, pos, invFreq);
      qs.push(q); ks.push(k); vs.push(v);
    });
    opts.onLayerQkv?.(l, qs, ks, vs);
    const scale = 1 / Math.sqrt(hd);
    xs = xs.map((x, i) => {
      const attn = new Float64Array(nHeads * hd);
      for (let head = 0; head < nHeads; head++) {
        const kvh = Math.floor(head / group);
        const scores = new Float64Array(i + 1);
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += qs[i][head * hd + d] * ks[j][kvh * hd + d];
          scores[j] = s * scale;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j]; }
        for (let j = 0; j <= i; j++) {
          const pj = scores[j] / sum;
          for (let d = 0; d < hd; d++) attn[head * hd + d] += pj * vs[j][kvh * hd + d];
        }
      }
      const o = linear(p + 'self_attn.o_proj.weight', attn, H);
      const x1 = x.map((v, d) => v + o[d]);
      const h2 = rmsNorm(x1, tensor(w, p + 'post_attention_layernorm.weight'), cfg.rmsNormEps);
      const g = linear(p + 'mlp.gate_proj.weight', h2, F);
      const u = linear(p + 'mlp.up_proj.weight', h2, F);
      const down = linear(p + 'mlp.down_proj.weight', g.map((gv, j) => silu(gv) * u[j]), H);
      return x1.map((v, d) => v + down[d]);
    });
  }
  const headName = cfg.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const logits = new Float64Array(n * V);
  xs.forEach((x, i) => logits.set(linear(headName, rmsNorm(x, tensor(w, 'model.norm.weight'), cfg.rmsNormEps), V), i * V));
  return logits;
}
