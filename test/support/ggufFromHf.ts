// Converts a tiny HF-layout model to GGUF the way llama.cpp's convert_hf_to_gguf.py does (tensor names,
// metadata keys, the q/k row permutation for llama, rope_freqs for Llama-3 scaling), and returns the
// weights the runtime will actually see (read back from the written bytes) in HF layout for the reference.
import { GgmlTypeName } from './ggmlTypes';
import { encodeGgml, decodeGgml } from './ggmlQuants';
import { GgufFile, GgufTensor, GgufValue, gguf, writeGguf } from './ggufWriter';
import { HfWeights, TinyLlamaConfig } from './tinyLlama';
import { llama3RopeFactors } from './ropeScaling';

/** Weights in HF names and layout as float64: exactly the values stored in the file. */
export type ReferenceWeights = Map<string, Float64Array>;

export interface GgufWriteOptions {
  /** Type of every 2-D weight matrix (norms and biases stay F32, as in llama.cpp). */
  weightType?: GgmlTypeName;
  /** Type of token_embd.weight; defaults to weightType. */
  embeddingType?: GgmlTypeName;
  /** Extra or replacement metadata (tests use it to drop or corrupt keys). */
  metadata?: [string, GgufValue][];
  /** Metadata keys to leave out. */
  omitMetadata?: string[];
  /** Tensors (GGUF names) to leave out. */
  omitTensors?: string[];
  /** Add a small gpt2-style vocabulary (tokenizer.ggml.*), as real files carry. */
  withVocabulary?: boolean;
  /** general.alignment of the tensor data (GGUF default 32). */
  alignment?: number;
  /** Test hook: store q/k in HF row order, as a converter that forgot llama's permutation would. */
  skipQkPermutation?: boolean;
}

/**
 * llama.cpp's LlamaModel.permute: HF's rotate_half layout -> ggml's adjacent-pair RoPE layout.
 * Row h*hd + j*(hd/2) + i of the HF weight becomes row h*hd + 2i + j.
 */
export function permuteRowsForGgml(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const hd = rows / heads;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let j = 0; j < 2; j++) {
        const from = h * hd + j * (hd / 2) + i, to = h * hd + 2 * i + j;
        out.set(data.subarray(from * cols, from * cols + cols), to * cols);
      }
    }
  }
  return out;
}

/** Inverse of permuteRowsForGgml, for reading stored rows back into HF order. */
export function unpermuteRowsFromGgml(data: Float64Array, rows: number, cols: number, heads: number): Float64Array {
  const hd = rows / heads;
  const out = new Float64Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let j = 0; j < 2; j++) {
        const from = h * hd + 2 * i + j, to = h * hd + j * (hd / 2) + i;
        out.set(data.subarray(from * cols, from * cols + cols), to * cols);
      }
    }
  }
  return out;
}

const LAYER_NAMES: [string, string][] = [
  ['input_layernorm.weight', 'attn_norm.weight'],
  ['self_attn.q_proj.weight', 'attn_q.weight'],
  ['self_attn.k_proj.weight', 'attn_k.weight'],
  ['self_attn.v_proj.weight', 'attn_v.weight'],
  ['self_attn.q_proj.bias', 'attn_q.bias'],
  ['self_attn.k_proj.bias', 'attn_k.bias'],
  ['self_attn.v_proj.bias', 'attn_v.bias'],
  ['self_attn.o_proj.weight', 'attn_output.weight'],
  ['post_attention_layernorm.weight', 'ffn_norm.weight'],
  ['mlp.gate_proj.weight', 'ffn_gate.weight'],
  ['mlp.up_proj.weight', 'ffn_up.weight'],
  ['mlp.down_proj.weight', 'ffn_down.weight'],
];

/** HF tensor name -> llama.cpp GGUF tensor name. */
export function ggufTensorName(hfName: string): string {
  if (hfName === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hfName === 'model.norm.weight') return 'output_norm.weight';
  if (hfName === 'lm_head.weight') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const pair = m && LAYER_NAMES.find(([hf]) => hf === m[2]);
  if (!m || !pair) throw new Error(`no GGUF name for ${hfName}`);
  return `blk.${m[1]}.${pair[1]}`;
}

/** The metadata llama.cpp's converter writes for a llama/qwen2 model, plus one key of every value type. */
export function ggufMetadata(cfg: TinyLlamaConfig, withVocabulary: boolean): [string, GgufValue][] {
  const a = cfg.architecture;
  const md: [string, GgufValue][] = [
    ['general.architecture', gguf.str(a)],
    ['general.name', gguf.str(`tiny-random-${a}`)],
    [`${a}.context_length`, gguf.u32(cfg.contextLength)],
    [`${a}.embedding_length`, gguf.u32(cfg.hiddenSize)],
    [`${a}.block_count`, gguf.u32(cfg.nLayers)],
    [`${a}.feed_forward_length`, gguf.u32(cfg.intermediateSize)],
    [`${a}.rope.dimension_count`, gguf.u32(cfg.headDim)],
    [`${a}.attention.head_count`, gguf.u32(cfg.nHeads)],
    [`${a}.attention.head_count_kv`, gguf.u32(cfg.nKvHeads)],
    [`${a}.attention.key_length`, gguf.u32(cfg.headDim)],
    [`${a}.attention.value_length`, gguf.u32(cfg.headDim)],
    [`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(cfg.rmsNormEps)],
    [`${a}.rope.freq_base`, gguf.f32(cfg.ropeTheta)],
    [`${a}.vocab_size`, gguf.u32(cfg.vocabSize)],
    // One key of each GGUF value type, so readers of metadata are exercised beyond what llama needs.
    ['unisparse.test.u8', { type: 'u8', value: 200 }],
    ['unisparse.test.i8', { type: 'i8', value: -100 }],
    ['unisparse.test.u16', { type: 'u16', value: 60000 }],
    ['unisparse.test.i16', { type: 'i16', value: -30000 }],
    ['unisparse.test.u32', { type: 'u32', value: 4000000000 }],
    ['unisparse.test.i32', { type: 'i32', value: -2000000000 }],
    ['unisparse.test.u64', { type: 'u64', value: 1234567890123n }],
    ['unisparse.test.i64', { type: 'i64', value: -1234567890123n }],
    ['unisparse.test.f32', { type: 'f32', value: 0.5 }],
    ['unisparse.test.f64', { type: 'f64', value: 0.125 }],
    ['unisparse.test.bool', { type: 'bool', value: true }],
    ['unisparse.test.string', { type: 'string', value: 'héllo wörld' }],
    ['unisparse.test.array_i32', { type: 'array', itemType: 'i32', values: [1, -2, 3] }],
    ['unisparse.test.array_string', { type: 'array', itemType: 'string', values: ['a', 'bc', ''] }],
  ];
  if (withVocabulary) {
    const tokens = Array.from({ length: cfg.vocabSize }, (_, i) => (i < 3 ? ['<s>', '</s>', '<unk>'][i] : `t${i}`));
    md.push(
      ['tokenizer.ggml.model', gguf.str('gpt2')],
      ['tokenizer.ggml.tokens', gguf.arr('string', tokens)],
      ['tokenizer.ggml.token_type', gguf.arr('i32', tokens.map((_, i) => (i < 3 ? 3 : 1)))],
      ['tokenizer.ggml.merges', gguf.arr('string', [])],
      ['tokenizer.ggml.bos_token_id', gguf.u32(0)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(1)],
    );
  }
  return md;
}

/** Builds the GGUF file for a tiny model and the float64 weights it really stores (HF layout). */
export function tinyLlamaToGguf(cfg: TinyLlamaConfig, weights: HfWeights, opts: GgufWriteOptions = {}):
    { file: GgufFile; reference: ReferenceWeights } {
  const weightType = opts.weightType ?? 'F32';
  const tensors: GgufTensor[] = [];
  const reference: ReferenceWeights = new Map();
  const permuteHeads = (hfName: string): number => {
    if (cfg.architecture !== 'llama' || opts.skipQkPermutation) return 0; // qwen2 uses NEOX rope in llama.cpp: no permutation
    if (hfName.endsWith('self_attn.q_proj.weight')) return cfg.nHeads;
    if (hfName.endsWith('self_attn.k_proj.weight')) return cfg.nKvHeads;
    return 0;
  };
  for (const [hfName, t] of weights) {
    const name = ggufTensorName(hfName);
    if (opts.omitTensors?.includes(name)) continue;
    const is2d = t.shape.length === 2;
    const type: GgmlTypeName = !is2d ? 'F32' : name === 'token_embd.weight' ? (opts.embeddingType ?? weightType) : weightType;
    const heads = permuteHeads(hfName);
    const rows = is2d ? t.shape[0] : 1, cols = t.shape[t.shape.length - 1];
    const stored = heads ? permuteRowsForGgml(t.data, rows, cols, heads) : t.data;
    const data = encodeGgml(type, stored);
    tensors.push({ name, dims: [...t.shape].reverse(), type, data });
    const back = decodeGgml(type, data, t.data.length);
    reference.set(hfName, heads ? unpermuteRowsFromGgml(back, rows, cols, heads) : back);
  }
  if (cfg.ropeScaling && !opts.omitTensors?.includes('rope_freqs.weight')) {
    const factors = Float32Array.from(llama3RopeFactors(cfg.headDim, cfg.ropeTheta, cfg.ropeScaling));
    tensors.push({ name: 'rope_freqs.weight', dims: [factors.length], type: 'F32', data: encodeGgml('F32', factors) });
  }
  let metadata = ggufMetadata(cfg, opts.withVocabulary ?? true);
  if (opts.omitMetadata) metadata = metadata.filter(([k]) => !opts.omitMetadata!.includes(k));
  for (const [k, v] of opts.metadata ?? []) {
    metadata = metadata.filter(([key]) => key !== k);
    metadata.push([k, v]);
  }
  return { file: { metadata, tensors, alignment: opts.alignment }, reference };
}

export function writeTinyLlamaGguf(path: string, cfg: TinyLlamaConfig, weights: HfWeights, opts: GgufWriteOptions = {}): ReferenceWeights {
  const { file, reference } = tinyLlamaToGguf(cfg, weights, opts);
  writeGguf(path, file);
  return reference;
}
