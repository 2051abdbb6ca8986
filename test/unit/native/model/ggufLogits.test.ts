// The native runtime's logits on tiny random GGUF models vs the float64 reference.
import { tinyConfig, randomTokens, TinyLlamaConfig, makeTinyLlama } from '../../../support/tinyLlama';
import { tinyLlamaToGguf, GgufWriteOptions } from '../../../support/ggufFromHf';
import { encodeGgufWithLayout } from '../../../support/ggufWriter';
import { TempModelDir } from '../../../support/tempModels';
import { referenceLogits } from '../../../support/llamaReference';
import { assertClose } from '../../../support/compare';
import { GgmlTypeName } from '../../../support/ggmlTypes';
import * as assert from 'assert';
import { LOGITS_TOLERANCE, Q8_ACTIVATION_CHECK, Q8_ACTIVATION_TYPES } from '../../../support/modelTolerances';
import { maxRelativeError } from '../../../support/compare';
import { loadModelClass } from '../../../support/nativeModel';

const llama3Scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
/** K-quants need rows of 256, so their models are wider. */
const wide = { hiddenSize: 256, intermediateSize: 512, headDim: 64 };

/** Most rows within f32 precision of the simulation, and no row far off (see Q8_ACTIVATION_CHECK). */
function checkAgainstQ8Simulation(got: Float32Array, simulated: Float64Array, V: number, what: string): void {
  const rows = simulated.length / V;
  const errors = Array.from({ length: rows }, (_, r) =>
    maxRelativeError(got.subarray(r * V, (r + 1) * V), simulated.subarray(r * V, (r + 1) * V)).error);
  const close = errors.filter((e) => e <= Q8_ACTIVATION_CHECK.rowTolerance).length;
  assert.ok(close >= Q8_ACTIVATION_CHECK.minShareOfRows * rows,
    `${what}: only ${close} of ${rows} rows within ${Q8_ACTIVATION_CHECK.rowTolerance} (errors ${errors.map((e) => e.toExponential(1)).join(' ')})`);
  const worst = Math.max(...errors);
  assert.ok(worst <= Q8_ACTIVATION_CHECK.maxAnyRow, `${what}: a row is off by ${worst} > ${Q8_ACTIVATION_CHECK.maxAnyRow}`);
}

describe('model runtime vs float64 reference: GGUF', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  function check(cfg: TinyLlamaConfig, type: GgmlTypeName, seed: number, nTokens = 40, extra: GgufWriteOptions = {}): void {
    const Model = loadModelClass();
    const m = tmp.gguf(cfg, seed, { weightType: type, ...extra });
    const tokens = randomTokens(nTokens, cfg.vocabSize, seed + 1);
    const expected = referenceLogits(cfg, m.reference, tokens);
    const model = new Model(m.path, { threads: 1 });
    try {
      const got = model.eval(Int32Array.from(tokens), { logits: 'all' });
      assertClose(got, expected, LOGITS_TOLERANCE[type], `${cfg.architecture} ${type} logits`, cfg.vocabSize);
      if (Q8_ACTIVATION_TYPES.includes(type)) {
        const simulated = referenceLogits(cfg, m.reference, tokens, { q8ActivationsFor: (n) => n !== 'model.embed_tokens.weight' || cfg.tiedEmbeddings });
        checkAgainstQ8Simulation(got, simulated, cfg.vocabSize, `${type} vs reference with 8-bit activations`);
      }
    } finally {
      model.dispose();
    }
  }

  it('llama, GQA (4 heads over 2 kv heads), untied, f32: within 1e-4', () => check(tinyConfig(), 'F32', 1));
  it('llama, f32, tensor data aligned to 64 bytes (general.alignment)', () => {
    // The check only means something if 32-byte alignment would start the data elsewhere: pad a key until so.
    const cfg = tinyConfig();
    const padded = (k: number): GgufWriteOptions =>
      ({ alignment: 64, metadata: [['unisparse.test.padding', { type: 'string', value: 'x'.repeat(k) }]] });
    const k = Array.from({ length: 64 }, (_, i) => i).find((i) => {
      const { headerEnd, dataStart } = encodeGgufWithLayout(tinyLlamaToGguf(cfg, makeTinyLlama(cfg, 1), padded(i)).file);
      return Math.ceil(headerEnd / 32) * 32 !== dataStart;
    });
    assert.ok(k !== undefined);
    check(cfg, 'F32', 1, 40, padded(k));
  });
  it('llama, multi-head (kv heads = heads), f32', () => check(tinyConfig({ nKvHeads: 4 }), 'F32', 2));
  it('llama, tied embeddings (no output.weight), f32', () => check(tinyConfig({ tiedEmbeddings: true }), 'F32', 3));
  it('llama, Llama-3 rope scaling (rope_freqs.weight), rope theta 500000, f32',
    () => check(tinyConfig({ ropeScaling: llama3Scaling, ropeTheta: 500000 }), 'F32', 4));
  it('qwen2, q/k/v biases, tied embeddings, f32',
    () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true, tiedEmbeddings: true, ropeTheta: 1000000 }), 'F32', 5));
  it('qwen2, q/k/v biases, head dim 32 over 8 heads/1 kv head, f32',
    () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true, nHeads: 8, nKvHeads: 1, headDim: 32, hiddenSize: 128 }), 'F32', 6));

  const types: GgmlTypeName[] = ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1'];
  for (const type of ['Q4_0', 'Q4_1'] as GgmlTypeName[]) {
    it(`llama GQA, ${type} weights, other seeds`, () => { check(tinyConfig(), type, 20); check(tinyConfig(), type, 30); });
  }
  for (const type of types) {
    it(`llama GQA, ${type} weights: within ${LOGITS_TOLERANCE[type]}`, () => check(tinyConfig(), type, 10));
  }
  for (const type of ['Q4_K', 'Q6_K'] as GgmlTypeName[]) {
    it(`llama GQA, ${type} weights (hidden 256): within ${LOGITS_TOLERANCE[type]}`, () => check(tinyConfig(wide), type, 11, 24));
  }
  it('qwen2 with biases, Q8_0 weights', () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true }), 'Q8_0', 12));
});
