// The native runtime's logits on tiny random Hugging Face directories vs the float64 reference.
import * as assert from 'assert';
import { tinyConfig, randomTokens, TinyLlamaConfig } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { referenceLogits } from '../../../support/llamaReference';
import { assertClose } from '../../../support/compare';
import { HfDirectoryOptions } from '../../../support/safetensorsWriter';
import { LOGITS_TOLERANCE } from '../../../support/modelTolerances';
import { loadModelClass } from '../../../support/nativeModel';

const llama3Scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };

describe('model runtime vs float64 reference: safetensors directories', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  function check(cfg: TinyLlamaConfig, opts: HfDirectoryOptions, seed: number): Float32Array {
    const Model = loadModelClass();
    const m = tmp.safetensors(cfg, seed, opts);
    const tokens = randomTokens(40, cfg.vocabSize, seed + 1);
    const expected = referenceLogits(cfg, m.reference, tokens);
    const model = new Model(m.path, { threads: 1 });
    try {
      assert.strictEqual(model.info.format, 'safetensors');
      const got = model.eval(tokens, { logits: 'all' });
      assertClose(got, expected, LOGITS_TOLERANCE[opts.dtype ?? 'F32'], `safetensors ${JSON.stringify(opts)} logits`, cfg.vocabSize);
      return got;
    } finally {
      model.dispose();
    }
  }

  it('llama GQA, f32, legacy config.json (rope_theta, torch_dtype), no tokenizer files: within 1e-4',
    () => check(tinyConfig(), { configStyle: 'legacy' }, 1));
  it('llama GQA, f32, transformers-5 config.json (rope_parameters, dtype), 3 shards with an index',
    () => check(tinyConfig(), { configStyle: 'v5', shards: 3 }, 1));
  it('llama, Llama-3 rope scaling in rope_scaling (legacy)',
    () => check(tinyConfig({ ropeScaling: llama3Scaling, ropeTheta: 500000 }), { configStyle: 'legacy' }, 4));
  it('llama, Llama-3 rope scaling in rope_parameters (transformers 5)',
    () => check(tinyConfig({ ropeScaling: llama3Scaling, ropeTheta: 500000 }), { configStyle: 'v5' }, 4));
  it('llama, tied embeddings (no lm_head.weight)', () => check(tinyConfig({ tiedEmbeddings: true }), {}, 3));
  it('qwen2, q/k/v biases, tied embeddings', () =>
    check(tinyConfig({ architecture: 'qwen2', qkvBias: true, tiedEmbeddings: true, ropeTheta: 1000000 }), { configStyle: 'v5' }, 5));
  it(`llama GQA, f16 weights: within ${LOGITS_TOLERANCE.F16}`, () => check(tinyConfig(), { dtype: 'F16' }, 7));
  it(`llama GQA, bf16 weights: within ${LOGITS_TOLERANCE.BF16}`, () => check(tinyConfig(), { dtype: 'BF16', shards: 2 }, 8));

  it('a GGUF and a safetensors directory of the same f32 weights give the same logits', () => {
    const Model = loadModelClass();
    const cfg = tinyConfig({ ropeScaling: llama3Scaling });
    const g = tmp.gguf(cfg, 9), s = tmp.safetensors(cfg, 9);
    const tokens = randomTokens(30, cfg.vocabSize, 2);
    const a = new Model(g.path, { threads: 1 }), b = new Model(s.path, { threads: 1 });
    try {
      assertClose(a.eval(tokens, { logits: 'all' }), b.eval(tokens, { logits: 'all' }), 1e-4, 'GGUF vs safetensors', cfg.vocabSize);
    } finally {
      a.dispose(); b.dispose();
    }
  });
});
