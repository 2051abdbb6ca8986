// model.info and model.metadata() on tiny generated files: what the runtime reports must be what the
// writers put in.
import * as assert from 'assert';
import { tinyConfig } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { loadModelClass } from '../../../support/nativeModel';

describe('model runtime: info and metadata', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  it('GGUF: info describes the file and metadata() returns values of every GGUF type', () => {
    const cfg = tinyConfig({ architecture: 'qwen2', qkvBias: true, tiedEmbeddings: true, ropeTheta: 1000000 });
    const model = new (loadModelClass())(tmp.gguf(cfg, 1, { weightType: 'Q8_0' }).path, { threads: 1 });
    try {
      const info = model.info;
      assert.strictEqual(info.architecture, 'qwen2');
      assert.strictEqual(info.format, 'gguf');
      assert.deepStrictEqual(
        [info.nLayers, info.nHeads, info.nKvHeads, info.headDim, info.hiddenSize, info.vocabSize, info.contextLength],
        [2, 4, 2, 16, 64, 97, 256]);
      assert.strictEqual(info.ropeTheta, 1000000);
      assert.strictEqual(info.tiedEmbeddings, true);
      assert.strictEqual(info.weightTypes.Q8_0 > 0 || (info.weightTypes as any)['8'] > 0, true, JSON.stringify(info.weightTypes));
      assert.strictEqual(model.metadata('general.architecture'), 'qwen2');
      assert.strictEqual(model.metadata('qwen2.block_count'), 2);
      assert.strictEqual(model.metadata('unisparse.test.u8'), 200);
      assert.strictEqual(model.metadata('unisparse.test.i8'), -100);
      assert.strictEqual(model.metadata('unisparse.test.u16'), 60000);
      assert.strictEqual(model.metadata('unisparse.test.i16'), -30000);
      assert.strictEqual(model.metadata('unisparse.test.u32'), 4000000000);
      assert.strictEqual(model.metadata('unisparse.test.i32'), -2000000000);
      assert.strictEqual(Number(model.metadata('unisparse.test.u64')), 1234567890123);
      assert.strictEqual(Number(model.metadata('unisparse.test.i64')), -1234567890123);
      assert.strictEqual(model.metadata('unisparse.test.f32'), 0.5);
      assert.strictEqual(model.metadata('unisparse.test.f64'), 0.125);
      assert.strictEqual(model.metadata('unisparse.test.bool'), true);
      assert.strictEqual(model.metadata('unisparse.test.string'), 'héllo wörld');
      assert.deepStrictEqual(model.metadata('unisparse.test.array_i32'), [1, -2, 3]);
      assert.deepStrictEqual(model.metadata('unisparse.test.array_string'), ['a', 'bc', '']);
      assert.strictEqual(model.metadata('no.such.key'), undefined);
    } finally {
      model.dispose();
    }
  });

  it('safetensors: info comes from config.json and metadata() reads its keys', () => {
    const cfg = tinyConfig({ nHeads: 8, nKvHeads: 2, headDim: 8 });
    const model = new (loadModelClass())(tmp.safetensors(cfg, 1, { configStyle: 'v5', dtype: 'BF16' }).path, { threads: 1 });
    try {
      const info = model.info;
      assert.strictEqual(info.format, 'safetensors');
      assert.strictEqual(info.architecture, 'llama');
      assert.deepStrictEqual([info.nLayers, info.nHeads, info.nKvHeads, info.headDim, info.hiddenSize, info.vocabSize],
        [2, 8, 2, 8, 64, 97]);
      assert.strictEqual(info.ropeTheta, 10000);
      assert.strictEqual(info.tiedEmbeddings, false);
      assert.strictEqual(model.metadata('hidden_size'), 64);
      assert.strictEqual(model.metadata('model_type'), 'llama');
    } finally {
      model.dispose();
    }
  });
});
