// The native runtime's logits on tiny random GGUF models vs the float64 reference (issue 3 acceptance).
import { tinyConfig, randomTokens, TinyLlamaConfig } from '../../support/tinyLlama';
import { TempModelDir } from '../../support/tempModels';
import { referenceLogits } from '../../support/llamaReference';
import { assertClose } from '../../support/compare';
import { GgmlTypeName } from '../../support/ggmlTypes';
import { LOGITS_TOLERANCE } from '../../support/modelTolerances';
import { loadModelClass } from '../../support/nativeModel';

const llama3Scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
/** K-quants need rows of 256, so their models are wider. */
const wide = { hiddenSize: 256, intermediateSize: 512, headDim: 64 };

describe('model runtime vs float64 reference: GGUF', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  function check(cfg: TinyLlamaConfig, type: GgmlTypeName, seed: number, nTokens = 40): void {
    const Model = loadModelClass();
    const m = tmp.gguf(cfg, seed, { weightType: type });
    const tokens = randomTokens(nTokens, cfg.vocabSize, seed + 1);
    const expected = referenceLogits(cfg, m.reference, tokens);
    const model = new Model(m.path, { threads: 1 });
    try {
      const got = model.eval(Int32Array.from(tokens), { logits: 'all' });
      assertClose(got, expected, LOGITS_TOLERANCE[type], `${cfg.architecture} ${type} logits`, cfg.vocabSize);
    } finally {
      model.dispose();
    }
  }

  it('llama, GQA (4 heads over 2 kv heads), untied, f32: within 1e-4', () => check(tinyConfig(), 'F32', 1));
  it('llama, multi-head (kv heads = heads), f32', () => check(tinyConfig({ nKvHeads: 4 }), 'F32', 2));
  it('llama, tied embeddings (no output.weight), f32', () => check(tinyConfig({ tiedEmbeddings: true }), 'F32', 3));
  it('llama, Llama-3 rope scaling (rope_freqs.weight), rope theta 500000, f32',
    () => check(tinyConfig({ ropeScaling: llama3Scaling, ropeTheta: 500000 }), 'F32', 4));
  it('qwen2, q/k/v biases, tied embeddings, f32',
    () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true, tiedEmbeddings: true, ropeTheta: 1000000 }), 'F32', 5));
  it('qwen2, q/k/v biases, head dim 32 over 8 heads/1 kv head, f32',
    () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true, nHeads: 8, nKvHeads: 1, headDim: 32, hiddenSize: 128 }), 'F32', 6));

  const types: GgmlTypeName[] = ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1'];
  for (const type of types) {
    it(`llama GQA, ${type} weights: within ${LOGITS_TOLERANCE[type]}`, () => check(tinyConfig(), type, 10));
  }
  for (const type of ['Q4_K', 'Q6_K'] as GgmlTypeName[]) {
    it(`llama GQA, ${type} weights (hidden 256): within ${LOGITS_TOLERANCE[type]}`, () => check(tinyConfig(wide), type, 11, 24));
  }
  it('qwen2 with biases, Q8_0 weights', () => check(tinyConfig({ architecture: 'qwen2', qkvBias: true }), 'Q8_0', 12));
});
