// Checks of the test tooling itself (no runtime needed): the half-float and quant codecs, the GGUF and
// safetensors writers, and the float64 reference, using llama.cpp (node-llama-cpp) as an outside oracle.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { f32ToF16Bits, f16BitsToF32, f32ToBf16Bits, bf16BitsToF32 } from '../../../support/halfFloat';
import { encodeGgml, decodeGgml } from '../../../support/ggmlQuants';
import { GgmlTypeName } from '../../../support/ggmlTypes';
import { seededRandom, gaussian } from '../../../support/random';
import { tinyConfig, randomTokens, TinyLlamaConfig } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { referenceLogits } from '../../../support/llamaReference';
import { GgufWriteOptions } from '../../../support/ggufFromHf';
import { readGgufWithNodeLlamaCpp, llamaCppNextTokenProbabilities, softmaxRows } from '../../../support/llamaCppOracle';
import { loadGgufReference } from '../../../support/ggufReferenceLoader';

describe('test tooling: half floats', () => {
  it('encodes f16 and bf16 bit-exactly, rounding ties to even', () => {
    assert.strictEqual(f32ToF16Bits(1), 0x3c00);
    assert.strictEqual(f32ToF16Bits(-2), 0xc000);
    assert.strictEqual(f32ToF16Bits(65504), 0x7bff);
    assert.strictEqual(f32ToF16Bits(1e6), 0x7c00); // overflow -> infinity
    assert.strictEqual(f32ToF16Bits(2 ** -24), 0x0001); // smallest subnormal
    assert.strictEqual(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // tie, even stays
    assert.strictEqual(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie, odd rounds up
    assert.strictEqual(f16BitsToF32(0x3555), 0.333251953125);
    assert.strictEqual(f32ToBf16Bits(1), 0x3f80);
    assert.strictEqual(bf16BitsToF32(0x4049), 3.140625);
    assert.strictEqual(f32ToBf16Bits(1 + 2 ** -8), 0x3f80); // tie to even
  });
});

describe('test tooling: ggml block codecs', () => {
  it('decodes a hand-made Q4_0 block as ggml does: d * (nibble - 8), low nibbles first', () => {
    const block = new Uint8Array(18);
    new DataView(block.buffer).setUint16(0, 0x3800, true); // d = 0.5
    block.fill(0x9a, 2); // low nibble 10 -> +1.0, high nibble 9 -> +0.5
    const y = decodeGgml('Q4_0', block, 32);
    assert.deepStrictEqual(Array.from(y.subarray(0, 16)), new Array(16).fill(1));
    assert.deepStrictEqual(Array.from(y.subarray(16)), new Array(16).fill(0.5));
  });

  const bounds: [GgmlTypeName, number][] = [
    ['F32', 1e-7], ['F16', 1e-3], ['BF16', 8e-3], ['Q8_0', 0.01], ['Q6_K', 0.04], ['Q4_0', 0.12], ['Q4_1', 0.1], ['Q4_K', 0.12],
  ];
  for (const [type, bound] of bounds) {
    it(`round-trips random rows through ${type} within ${bound} relative RMS error`, () => {
      const normal = gaussian(seededRandom(11));
      const x = Float32Array.from({ length: 1024 }, () => normal());
      const y = decodeGgml(type, encodeGgml(type, x), x.length);
      let err = 0, ref = 0;
      x.forEach((v, i) => { err += (v - y[i]) ** 2; ref += v * v; });
      const rel = Math.sqrt(err / ref);
      assert.ok(rel <= bound, `${type}: relative RMS error ${rel} > ${bound}`);
      assert.ok(type === 'F32' || rel > 0, `${type} should lose some precision`);
    });
  }
});

describe('test tooling: GGUF writer read back by node-llama-cpp', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  it('writes metadata of every value type and tensor infos with aligned offsets', async () => {
    const cfg = tinyConfig();
    const m = tmp.gguf(cfg, 1, { weightType: 'Q4_1' });
    const info = await readGgufWithNodeLlamaCpp(m.path);
    assert.strictEqual(info.version, 3);
    assert.strictEqual(info.metadata.general.architecture, 'llama');
    assert.strictEqual(info.metadata.llama.attention.head_count_kv, 2);
    assert.strictEqual(info.metadata.llama.attention.layer_norm_rms_epsilon, Math.fround(1e-5));
    assert.deepStrictEqual(info.metadata.unisparse.test, {
      u8: 200, i8: -100, u16: 60000, i16: -30000, u32: 4000000000, i32: -2000000000, u64: 1234567890123n,
      i64: -1234567890123n, f32: 0.5, f64: 0.125, bool: true, string: 'héllo wörld', array_i32: [1, -2, 3],
      array_string: ['a', 'bc', ''],
    });
    const byName = new Map<string, any>(info.fullTensorInfo.map((t: any) => [t.name, t]));
    assert.strictEqual(byName.size, 2 + 9 * cfg.nLayers + 1);
    assert.deepStrictEqual(byName.get('blk.1.attn_k.weight').dimensions, [64, 32]);
    assert.strictEqual(byName.get('blk.1.attn_k.weight').ggmlType, 3); // Q4_1
    assert.strictEqual(byName.get('blk.0.attn_norm.weight').ggmlType, 0); // norms stay F32
    for (const t of byName.values()) assert.strictEqual(Number(t.offset) % 32, 0, `${t.name} misaligned`);
  });

  it('the reference loader (used on real models by bench:cpu --reference) reads back config and weights', async () => {
    const cfg = tinyConfig({ tiedEmbeddings: true, nKvHeads: 1 });
    const m = tmp.gguf(cfg, 4, { weightType: 'Q8_0', embeddingType: 'Q4_1' });
    const loaded = await loadGgufReference(m.path);
    assert.deepStrictEqual({ ...loaded.cfg, rmsNormEps: cfg.rmsNormEps }, cfg);
    assert.deepStrictEqual([...loaded.reference.keys()].sort(), [...m.reference.keys()].sort());
    for (const [name, w] of m.reference) assert.deepStrictEqual(loaded.reference.get(name), w, name);
  });
});

describe('test tooling: safetensors writer', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  it('writes a parseable header, shard index and the same weights as the GGUF writer', () => {
    const cfg = tinyConfig({ architecture: 'qwen2', qkvBias: true });
    const st = tmp.safetensors(cfg, 5, { shards: 3, configStyle: 'v5' });
    const index = JSON.parse(fs.readFileSync(path.join(st.path, 'model.safetensors.index.json'), 'utf8'));
    assert.deepStrictEqual(Object.keys(index.weight_map).sort(), [...st.weights.keys()].sort());
    for (const file of new Set<string>(Object.values(index.weight_map))) {
      const bytes = fs.readFileSync(path.join(st.path, file));
      const headerLen = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
      assert.strictEqual((8 + headerLen) % 8, 0);
      for (const [name, e] of Object.entries<any>(header)) {
        if (name === '__metadata__') continue;
        const data = bytes.subarray(8 + headerLen + e.data_offsets[0], 8 + headerLen + e.data_offsets[1]);
        const f = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
        assert.deepStrictEqual(Array.from(f), Array.from(st.weights.get(name)!.data), name);
      }
    }
    const config = JSON.parse(fs.readFileSync(path.join(st.path, 'config.json'), 'utf8'));
    assert.strictEqual(config.rope_parameters.rope_theta, 10000);
    assert.strictEqual(config.dtype, 'float32');
    const g = tmp.gguf(cfg, 5);
    for (const [name, w] of g.reference) assert.deepStrictEqual(w, st.reference.get(name), name);
  });
});

describe('test tooling: the float64 reference agrees with llama.cpp on the written GGUF files', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());
  const big = { hiddenSize: 256, intermediateSize: 512, headDim: 64 };
  const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
  // llama.cpp keeps its KV cache in f16 and quantizes activations for quantized weights, hence the
  // looser bounds for those files; the bounds are on next-token probabilities.
  const cases: [string, TinyLlamaConfig, GgufWriteOptions, number][] = [
    ['llama GQA, f32', tinyConfig(), {}, 1e-3],
    ['llama, tied embeddings, Llama-3 rope scaling', tinyConfig({ tiedEmbeddings: true, ropeScaling: scaling }), {}, 1e-3],
    ['qwen2 with q/k/v biases', tinyConfig({ architecture: 'qwen2', qkvBias: true }), {}, 1e-3],
    ['f16', tinyConfig(), { weightType: 'F16' }, 1e-3],
    ['bf16', tinyConfig(), { weightType: 'BF16' }, 1e-2],
    ['q8_0', tinyConfig(), { weightType: 'Q8_0' }, 1e-2],
    ['q4_0', tinyConfig(), { weightType: 'Q4_0' }, 2e-2],
    ['q4_1', tinyConfig(), { weightType: 'Q4_1' }, 2e-2],
    ['q4_k', tinyConfig(big), { weightType: 'Q4_K' }, 2e-2],
    ['q6_k', tinyConfig(big), { weightType: 'Q6_K' }, 2e-2],
  ];
  const maxProbabilityGap = (a: Float64Array[], b: Float64Array[]) =>
    Math.max(...a.map((row, i) => Math.max(...row.map((p, j) => Math.abs(p - b[i][j])))));

  for (const [name, cfg, opts, bound] of cases) {
    it(`${name}: next-token probabilities within ${bound}`, async () => {
      const m = tmp.gguf(cfg, 7, opts);
      const tokens = randomTokens(24, cfg.vocabSize, 3);
      const expected = softmaxRows(referenceLogits(cfg, m.reference, tokens), cfg.vocabSize);
      const got = await llamaCppNextTokenProbabilities(m.path, tokens, cfg.vocabSize);
      const gap = maxProbabilityGap(got, expected);
      assert.ok(gap <= bound, `max probability gap ${gap} > ${bound}`);
    });
  }

  it('negative control: a file without llama q/k permutation disagrees with llama.cpp', async () => {
    const cfg = tinyConfig();
    const m = tmp.gguf(cfg, 7, { skipQkPermutation: true });
    const tokens = randomTokens(24, cfg.vocabSize, 3);
    const expected = softmaxRows(referenceLogits(cfg, m.reference, tokens), cfg.vocabSize);
    const got = await llamaCppNextTokenProbabilities(m.path, tokens, cfg.vocabSize);
    assert.ok(maxProbabilityGap(got, expected) > 1e-2, 'the oracle must notice a wrong rope layout');
  });
});
