// Writes Hugging Face model directories: config.json (legacy or transformers-5 style) and
// model.safetensors, or shards with model.safetensors.index.json, from the same HF-layout weights
// the GGUF writer uses. Returns the float64 weights as stored (after f16/bf16 rounding).
import * as fs from 'fs';
import * as path from 'path';
import { HfWeights, TinyLlamaConfig } from './tinyLlama';
import { f32ToF16Bits, f16BitsToF32, f32ToBf16Bits, bf16BitsToF32 } from './halfFloat';
import { ReferenceWeights } from './ggufFromHf';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsEntry { name: string; dtype: SafetensorsDtype; shape: number[]; data: Uint8Array }

/** Encodes float values in a safetensors dtype (little endian). */
export function encodeSafetensorsData(dtype: SafetensorsDtype, values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * (dtype === 'F32' ? 4 : 2));
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'F32') v.setFloat32(i * 4, values[i], true);
    else v.setUint16(i * 2, dtype === 'F16' ? f32ToF16Bits(values[i]) : f32ToBf16Bits(values[i]), true);
  }
  return out;
}

export function decodeSafetensorsData(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / (dtype === 'F32' ? 4 : 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = dtype === 'F32' ? v.getFloat32(i * 4, true)
      : dtype === 'F16' ? f16BitsToF32(v.getUint16(i * 2, true)) : bf16BitsToF32(v.getUint16(i * 2, true));
  }
  return out;
}

/**
 * Serialises one .safetensors file: u64 header length, JSON header (dtype, shape, data_offsets per
 * tensor, padded with spaces to 8 bytes as the reference implementation does), then the data.
 * `headerPatch` lets tests corrupt header entries (e.g. offsets past the end).
 */
export function encodeSafetensors(entries: SafetensorsEntry[], metadata: Record<string, string> = { format: 'pt' },
    headerPatch?: (header: Record<string, unknown>) => void): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  headerPatch?.(header);
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += ' ';
  const jsonBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let p = 8 + jsonBytes.length;
  for (const e of entries) { out.set(e.data, p); p += e.data.length; }
  return out;
}

export interface HfDirectoryOptions {
  dtype?: SafetensorsDtype;
  /** 'legacy': rope_theta, rope_scaling, torch_dtype. 'v5': rope_parameters, dtype (transformers 5). */
  configStyle?: 'legacy' | 'v5';
  /** Number of shard files (1 = a single model.safetensors without an index). */
  shards?: number;
  /** Keys to delete from config.json (tests of missing required keys). */
  omitConfigKeys?: string[];
  /** Test hook: edit each shard's JSON header before it is written (e.g. offsets past the end). */
  headerPatch?: (header: Record<string, unknown>) => void;
}

export function hfConfigJson(cfg: TinyLlamaConfig, dtypeName: string, style: 'legacy' | 'v5'): Record<string, unknown> {
  const isQwen = cfg.architecture === 'qwen2';
  const rope = cfg.ropeScaling && {
    rope_type: 'llama3', factor: cfg.ropeScaling.factor, low_freq_factor: cfg.ropeScaling.lowFreqFactor,
    high_freq_factor: cfg.ropeScaling.highFreqFactor,
    original_max_position_embeddings: cfg.ropeScaling.originalMaxPositionEmbeddings,
  };
  const c: Record<string, unknown> = {
    architectures: [isQwen ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: cfg.architecture,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.nLayers,
    num_attention_heads: cfg.nHeads,
    num_key_value_heads: cfg.nKvHeads,
    head_dim: cfg.headDim,
    hidden_act: 'silu',
    max_position_embeddings: cfg.contextLength,
    rms_norm_eps: cfg.rmsNormEps,
    tie_word_embeddings: cfg.tiedEmbeddings,
    attention_bias: !isQwen && cfg.qkvBias,
    bos_token_id: 0,
    eos_token_id: 1,
  };
  if (style === 'legacy') {
    c.rope_theta = cfg.ropeTheta;
    c.rope_scaling = rope ?? null;
    c.torch_dtype = dtypeName;
    c.transformers_version = '4.46.0';
  } else {
    c.rope_parameters = { rope_type: 'default', rope_theta: cfg.ropeTheta, ...(rope ?? {}) };
    c.dtype = dtypeName;
    c.transformers_version = '5.0.0';
  }
  return c;
}

const TORCH_DTYPE_NAME: Record<SafetensorsDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** Writes an HF model directory (no tokenizer files: scoring needs none) and returns the stored weights. */
export function writeHfDirectory(dir: string, cfg: TinyLlamaConfig, weights: HfWeights, opts: HfDirectoryOptions = {}): ReferenceWeights {
  const dtype = opts.dtype ?? 'F32';
  const shards = opts.shards ?? 1;
  fs.mkdirSync(dir, { recursive: true });
  const config = hfConfigJson(cfg, TORCH_DTYPE_NAME[dtype], opts.configStyle ?? 'legacy');
  for (const k of opts.omitConfigKeys ?? []) delete config[k];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));

  const reference: ReferenceWeights = new Map();
  const entries: SafetensorsEntry[] = [];
  for (const [name, t] of weights) {
    const data = encodeSafetensorsData(dtype, t.data);
    entries.push({ name, dtype, shape: t.shape, data });
    reference.set(name, decodeSafetensorsData(dtype, data));
  }
  if (shards === 1) {
    fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(entries, undefined, opts.headerPatch));
    return reference;
  }
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  const perShard = Math.ceil(entries.length / shards);
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = entries.slice(s * perShard, (s + 1) * perShard);
    for (const e of part) { weightMap[e.name] = file; totalSize += e.data.length; }
    fs.writeFileSync(path.join(dir, file), encodeSafetensors(part, undefined, opts.headerPatch));
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  return reference;
}
