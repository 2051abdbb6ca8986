// Loads a real GGUF model's weights for the float64 reference, independently of our runtime: node-llama-cpp's
// parser finds the tensors, our ggml decoders turn the bytes into float64, llama's q/k rows are un-permuted
// back to HF order. Heavy (8 bytes per weight): meant for small models such as SmolLM2-135M.
import * as fs from 'fs';
import { GgmlTypeName, GGML_TYPES, ggmlByteSize } from './ggmlTypes';
import { decodeGgml } from './ggmlQuants';
import { ReferenceWeights, ggufTensorName, unpermuteRowsFromGgml } from './ggufFromHf';
import { readGgufWithNodeLlamaCpp } from './llamaCppOracle';
import { TinyLlamaConfig } from './tinyLlama';

const TYPE_BY_ID = new Map<number, GgmlTypeName>(Object.entries(GGML_TYPES).map(([n, t]) => [t.id, n as GgmlTypeName]));

export async function loadGgufReference(file: string): Promise<{ cfg: TinyLlamaConfig; reference: ReferenceWeights }> {
  const info = await readGgufWithNodeLlamaCpp(file);
  const arch = info.metadata.general.architecture as 'llama' | 'qwen2';
  if (arch !== 'llama' && arch !== 'qwen2') throw new Error(`${file}: the reference handles llama and qwen2, not ${arch}`);
  const a = info.metadata[arch];
  if (a.rope?.scaling) throw new Error(`${file}: rope scaling metadata is not handled by the reference loader`);
  const tensors: any[] = info.fullTensorInfo;
  const hasBias = tensors.some((t) => t.name === 'blk.0.attn_q.bias');
  const tied = !tensors.some((t) => t.name === 'output.weight');
  const nHeads = a.attention.head_count, nKvHeads = a.attention.head_count_kv ?? nHeads;
  const hiddenSize = a.embedding_length;
  const cfg: TinyLlamaConfig = {
    architecture: arch, vocabSize: tensors.find((t) => t.name === 'token_embd.weight').dimensions[1], hiddenSize,
    intermediateSize: a.feed_forward_length, nLayers: a.block_count, nHeads, nKvHeads,
    headDim: a.attention.key_length ?? hiddenSize / nHeads, ropeTheta: a.rope?.freq_base ?? 10000,
    rmsNormEps: a.attention.layer_norm_rms_epsilon, contextLength: a.context_length, tiedEmbeddings: tied, qkvBias: hasBias,
  };
  const alignment = Number(info.metadata.general.alignment ?? 32);
  const dataStart = Math.ceil(Number(info.infoEndOffset) / alignment) * alignment;
  const fd = fs.openSync(file, 'r');
  const reference: ReferenceWeights = new Map();
  const hfName = new Map<string, string>();
  const hfNames = ['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight'];
  for (let l = 0; l < cfg.nLayers; l++) {
    for (const s of ['input_layernorm.weight', 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight',
      'self_attn.q_proj.bias', 'self_attn.k_proj.bias', 'self_attn.v_proj.bias', 'self_attn.o_proj.weight',
      'post_attention_layernorm.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight', 'mlp.down_proj.weight']) hfNames.push(`model.layers.${l}.${s}`);
  }
  for (const n of hfNames) hfName.set(ggufTensorName(n), n);
  try {
    for (const t of tensors) {
      const name = hfName.get(t.name);
      if (!name) continue; // e.g. rope_freqs: not needed without scaling
      const type = TYPE_BY_ID.get(t.ggmlType);
      if (!type) throw new Error(`${file}: tensor ${t.name} has ggml type ${t.ggmlType}, which the reference cannot decode`);
      const dims: number[] = t.dimensions.map(Number);
      const n = dims.reduce((x, y) => x * y, 1);
      const bytes = Buffer.alloc(ggmlByteSize(type, n));
      fs.readSync(fd, bytes, 0, bytes.length, dataStart + Number(t.offset));
      let values = decodeGgml(type, bytes, n);
      const rows = dims[1] ?? 1, cols = dims[0];
      if (arch === 'llama' && name.endsWith('q_proj.weight')) values = unpermuteRowsFromGgml(values, rows, cols, nHeads);
      if (arch === 'llama' && name.endsWith('k_proj.weight')) values = unpermuteRowsFromGgml(values, rows, cols, nKvHeads);
      reference.set(name, values);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { cfg, reference };
}
