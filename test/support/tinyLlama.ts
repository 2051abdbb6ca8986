// Tiny random Llama-family models in Hugging Face layout (the one source both file writers start from),
// so a GGUF file and a safetensors directory written from the same seed describe the same network.
import { seededRandom, gaussian } from './random';

export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export interface TinyLlamaConfig {
  architecture: 'llama' | 'qwen2';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  ropeTheta: number;
  rmsNormEps: number;
  contextLength: number;
  tiedEmbeddings: boolean;
  /** Qwen2 has biases on q/k/v projections. */
  qkvBias: boolean;
  ropeScaling?: Llama3RopeScaling;
}

/** A tensor in HF layout: shape as PyTorch writes it ([out, in] for a linear weight), row-major data. */
export interface HfTensor { shape: number[]; data: Float32Array }
export type HfWeights = Map<string, HfTensor>;

/** The default tiny shape: 2 layers, hidden 64, 4 heads over 2 kv heads (GQA), head dim 16. */
export function tinyConfig(overrides: Partial<TinyLlamaConfig> = {}): TinyLlamaConfig {
  return {
    architecture: 'llama', vocabSize: 97, hiddenSize: 64, intermediateSize: 128, nLayers: 2, nHeads: 4,
    nKvHeads: 2, headDim: 16, ropeTheta: 10000, rmsNormEps: 1e-5, contextLength: 256, tiedEmbeddings: false,
    qkvBias: false, ...overrides,
  };
}

/** Random weights scaled so activations and attention scores stay O(1) through every layer. */
export function makeTinyLlama(cfg: TinyLlamaConfig, seed: number): HfWeights {
  const normal = gaussian(seededRandom(seed));
  const w: HfWeights = new Map();
  const add = (name: string, shape: number[], std: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + std * normal();
    w.set(name, { shape, data });
  };
  const H = cfg.hiddenSize, F = cfg.intermediateSize, qDim = cfg.nHeads * cfg.headDim;
  const kvDim = cfg.nKvHeads * cfg.headDim;
  add('model.embed_tokens.weight', [cfg.vocabSize, H], 1);
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `model.layers.${l}.`;
    add(p + 'input_layernorm.weight', [H], 0.1, 1);
    // q and k a little larger than 1/sqrt(H) so attention is peaked enough to matter.
    add(p + 'self_attn.q_proj.weight', [qDim, H], 2 / Math.sqrt(H));
    add(p + 'self_attn.k_proj.weight', [kvDim, H], 2 / Math.sqrt(H));
    add(p + 'self_attn.v_proj.weight', [kvDim, H], 1 / Math.sqrt(H));
    if (cfg.qkvBias) {
      add(p + 'self_attn.q_proj.bias', [qDim], 0.5);
      add(p + 'self_attn.k_proj.bias', [kvDim], 0.5);
      add(p + 'self_attn.v_proj.bias', [kvDim], 0.5);
    }
    add(p + 'self_attn.o_proj.weight', [H, qDim], 1 / Math.sqrt(qDim));
    add(p + 'post_attention_layernorm.weight', [H], 0.1, 1);
    add(p + 'mlp.gate_proj.weight', [F, H], 1 / Math.sqrt(H));
    add(p + 'mlp.up_proj.weight', [F, H], 1 / Math.sqrt(H));
    add(p + 'mlp.down_proj.weight', [H, F], 1 / Math.sqrt(F));
  }
  add('model.norm.weight', [H], 0.1, 1);
  if (!cfg.tiedEmbeddings) add('lm_head.weight', [cfg.vocabSize, H], 1 / Math.sqrt(H));
  return w;
}

/** Reproducible token ids in [0, vocab). */
export function randomTokens(n: number, vocabSize: number, seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Math.floor(r() * vocabSize));
}
