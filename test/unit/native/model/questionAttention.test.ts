// Question-conditioned attention inside the model: the exact softmax mass that chosen query rows give each key
// block, summed over heads and layers, with the sink block and each row's own block left out. Checked against
// a float64 computation from the captured post-RoPE Q and K of every layer.
import * as assert from 'assert';
import { tinyConfig, randomTokens } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { assertClose } from '../../../support/compare';
import { loadModelClass } from '../../../support/nativeModel';

function referenceMass(captures: any[], from: number, to: number, blockSize: number): number[] {
  const mass: number[] = [];
  for (const c of captures) {
    const { heads, kvHeads, headDim: hd, seq } = c;
    const group = heads / kvHeads;
    for (let h = 0; h < heads; h++) {
      const kvh = Math.floor(h / group);
      for (let i = from; i < to; i++) {
        const s: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += c.q[(h * seq + i) * hd + d] * c.k[(kvh * seq + j) * hd + d];
          s.push(dot / Math.sqrt(hd));
        }
        const max = Math.max(...s);
        const e = s.map((x) => Math.exp(x - max));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++) {
          const b = Math.floor(j / blockSize);
          if (b === 0 || b === Math.floor(i / blockSize)) continue;
          mass[b] = (mass[b] ?? 0) + e[j] / sum;
        }
      }
    }
  }
  return Array.from({ length: Math.floor((to - 1) / blockSize) + 1 }, (_, b) => mass[b] ?? 0);
}

describe('model runtime: question-conditioned attention', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  it('sums the exact attention of the question rows per key block, without the sink and the own block', () => {
    const cfg = tinyConfig({ contextLength: 512 });
    const m = tmp.gguf(cfg, 41);
    const tokens = randomTokens(200, cfg.vocabSize, 42);
    const layers = Array.from({ length: cfg.nLayers }, (_, l) => l);
    const model = new (loadModelClass())(m.path, { threads: 2, maxContext: 512, blockSize: 64, captureLayers: layers }) as any;
    try {
      model.setQuestionRows(150, 170);
      model.eval(tokens, { logits: 'none' });
      const got = Array.from(model.lastAttention().questionBlockMass as Float32Array);
      const want = referenceMass(layers.map((l) => model.captured(l)), 150, 170, 64);
      assert.strictEqual(got.length, want.length);
      assert.strictEqual(got[0], 0, 'the sink block is left out');
      assert.strictEqual(got[2], 0, "the rows' own block (128-191) is left out");
      assert.ok(got[1] > 0, 'the question rows reach block 1');
      assertClose(got, want, 1e-4, 'question block mass');
      // Layer by layer: each layer's share against the reference of that layer alone, and the layers sum to the total.
      const perLayer = Array.from(model.lastAttention().questionLayerMass as Float32Array);
      assert.strictEqual(perLayer.length, cfg.nLayers * got.length);
      for (const l of layers) {
        const wantLayer = referenceMass([model.captured(l)], 150, 170, 64);
        assertClose(perLayer.slice(l * got.length, (l + 1) * got.length), wantLayer, 1e-4, `layer ${l}'s block mass`);
      }
      const summed = got.map((_, b) => layers.reduce((sum, l) => sum + perLayer[l * got.length + b], 0));
      assertClose(summed, got, 1e-4, 'the layers sum to the total');

      // The same rows split over two evals (prefill steps) give the same sums.
      model.reset();
      model.setQuestionRows(150, 170);
      model.eval(tokens.slice(0, 160), { logits: 'none' });
      model.eval(tokens.slice(160), { logits: 'none' });
      assertClose(Array.from(model.lastAttention().questionBlockMass as Float32Array), want, 1e-4, 'over two evals');

      // Off again: a later prefill reports nothing.
      model.setQuestionRows(-1);
      model.reset();
      model.eval(tokens, { logits: 'none' });
      assert.strictEqual(model.lastAttention().questionBlockMass.length, 0);
      assert.strictEqual(model.lastAttention().questionLayerMass.length, 0);
      assert.throws(() => model.setQuestionRows('x'), /from must be a token position/);
    } finally {
      model.dispose();
    }
  });
});
