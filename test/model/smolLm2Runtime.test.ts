// The native model runtime on the real default model (SmolLM2-135M-Instruct Q4_1): what it reports, what it
// predicts, and that its cache operations (chunked prefill, prefix reuse, async eval) agree with one another.
// llama.cpp (node-llama-cpp) supplies the token ids and the next-token distribution we compare against.
import * as assert from 'assert';
import * as path from 'path';
import { smolLm2Path } from './modelFile';
import { getCpuLlama, llamaCppNextTokenProbabilities } from '../support/llamaCppOracle';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const addon = require(path.join(__dirname, '..', '..', 'native'));

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function softmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) out[i] /= sum;
  return out;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

/** Deterministic pseudo-random token ids inside the vocabulary. */
function tokenRun(n: number, seed: number, vocab: number): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = 100 + (s % (vocab - 200));
  }
  return out;
}

describe('model runtime on SmolLM2-135M-Instruct (Q4_1 GGUF)', function () {
  this.timeout(120000);
  const file = smolLm2Path();
  let model: any;
  let tokenize: (text: string) => number[];
  let detokenize: (ids: number[]) => string;
  let llamaModel: any;

  before(async () => {
    model = new addon.Model(file, { threads: 2, maxContext: 1024, captureLayers: [0, 29] });
    const llama = await getCpuLlama();
    llamaModel = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
    tokenize = (text) => Array.from(llamaModel.tokenize(text) as number[]);
    detokenize = (ids) => llamaModel.detokenize(ids);
  });
  after(async () => {
    model?.dispose();
    await llamaModel?.dispose();
  });

  it('reports the architecture from the GGUF metadata', () => {
    const info = model.info;
    assert.strictEqual(info.architecture, 'llama');
    assert.strictEqual(info.format, 'gguf');
    assert.strictEqual(info.nLayers, 30);
    assert.strictEqual(info.nHeads, 9);
    assert.strictEqual(info.nKvHeads, 3);
    assert.strictEqual(info.headDim, 64);
    assert.strictEqual(info.hiddenSize, 576);
    assert.strictEqual(info.vocabSize, 49152);
    assert.strictEqual(info.tiedEmbeddings, true);
    assert.strictEqual(info.weightTypes.Q4_1, 210, 'seven Q4_1 projections in each of 30 layers');
    assert.strictEqual(model.metadata('general.architecture'), 'llama');
    assert.strictEqual((model.metadata('tokenizer.ggml.tokens') as string[]).length, 49152);
    assert.strictEqual(model.metadata('no.such.key'), undefined);
  });

  it('predicts " Paris" after "The capital of France is"', () => {
    model.reset();
    const ids = tokenize('The capital of France is');
    const logits: Float32Array = model.eval(Int32Array.from(ids));
    assert.strictEqual(logits.length, 49152);
    assert.ok(logits.every(Number.isFinite), 'all logits are finite');
    assert.strictEqual(detokenize([argmax(logits)]), ' Paris');
    assert.strictEqual(model.position, ids.length);
  });

  it('matches llama.cpp next-token distributions on the same GGUF', async () => {
    const ids = tokenize('def fibonacci(n):\n    if n < 2:\n        return n\n    return');
    model.reset();
    const ours: Float32Array = model.eval(Int32Array.from(ids), { logits: 'all' });
    const theirs = await llamaCppNextTokenProbabilities(file, ids, 49152);
    // Both runtimes round activations to 8 bits (llama.cpp also keeps its KV cache in f16), so the
    // distributions differ slightly; a wrong RoPE, norm or weight layout gives KL divergences near 1 or more.
    let worstKl = 0, sumKl = 0;
    for (let i = 0; i < ids.length; i++) {
      const row = ours.subarray(i * 49152, (i + 1) * 49152);
      const p = softmax(row);
      let kl = 0, theirTop = 0;
      for (let v = 0; v < 49152; v++) {
        if (theirs[i][v] > 0) kl += theirs[i][v] * Math.log(theirs[i][v] / Math.max(p[v], 1e-30));
        if (theirs[i][v] > theirs[i][theirTop]) theirTop = v;
      }
      worstKl = Math.max(worstKl, kl);
      sumKl += kl;
      if (theirs[i][theirTop] > 0.5) assert.strictEqual(argmax(row), theirTop, `top token at position ${i}`);
    }
    assert.ok(worstKl < 0.05, `largest KL(llama.cpp || ours) over positions is ${worstKl}`);
    assert.ok(sumKl / ids.length < 0.01, `mean KL(llama.cpp || ours) is ${sumKl / ids.length}`);
  });

  // Activations are rounded to 8 bits per block, so a last-bit difference upstream (the attention kernel may
  // group query rows differently for different chunkings) can flip a rounding and move logits by ~1e-2.
  // A real chunking bug (a wrong position or cache offset) moves them by far more and changes the prediction.
  const chunkTolerance = 3e-2;
  it('gives the same logits for one prefill as for chunks, and reuses a cached prefix', () => {
    const toks = tokenRun(300, 7, 49152);
    model.reset();
    const whole: Float32Array = model.eval(toks, { logits: [299, 150] });
    model.reset();
    model.eval(toks.subarray(0, 100), { logits: 'none' });
    model.eval(toks.subarray(100, 299), { logits: 'none' });
    const last: Float32Array = model.eval(toks.subarray(299));
    const wholeLast = whole.subarray(0, 49152);
    assert.ok(maxRelDiff(last, wholeLast) < chunkTolerance, `chunked prefill vs one prefill: ${maxRelDiff(last, wholeLast)}`);
    assert.strictEqual(argmax(last), argmax(wholeLast));
    model.truncate(150);
    assert.strictEqual(model.position, 150);
    const again: Float32Array = model.eval(toks.subarray(150, 300), { logits: [149, 0] });
    assert.ok(maxRelDiff(again.subarray(0, 49152), wholeLast) < chunkTolerance, 'prefix reuse after truncate');
    assert.strictEqual(argmax(again.subarray(0, 49152)), argmax(wholeLast));
    assert.ok(maxRelDiff(again.subarray(49152), whole.subarray(49152)) < chunkTolerance, 'row order follows the request');
    // The same cache positions evaluated twice give identical results: evaluation is deterministic.
    model.truncate(150);
    const repeat: Float32Array = model.eval(toks.subarray(150, 300), { logits: [149, 0] });
    assert.deepStrictEqual(repeat, again);
  });

  it('prefills in chunks of 256 tokens per four threads, up to 1024, with the same logits as any chunking', () => {
    assert.strictEqual(model.info.prefillChunk, 256, 'two threads');
    const toks = tokenRun(600, 11, 49152);
    model.reset();
    const small: Float32Array = model.eval(toks, { logits: [599] });
    for (const [threads, chunk] of [[8, 512], [16, 1024], [64, 1024]]) {
      const wide = new addon.Model(file, { threads, maxContext: 1024 });
      try {
        assert.strictEqual(wide.info.prefillChunk, chunk, `${threads} threads`);
        if (threads !== 16) continue;
        // One 600-token chunk against the two-thread model's three: dense rows do not depend on the chunking.
        const one: Float32Array = wide.eval(toks, { logits: [599] });
        assert.ok(maxRelDiff(one, small) < chunkTolerance, `one chunk vs three: ${maxRelDiff(one, small)}`);
        assert.strictEqual(argmax(one), argmax(small));
      } finally {
        wide.dispose();
      }
    }
  });

  it('exactMatmul runs every matmul in fp32: the same prediction, and logits that no longer jump with the chunking', () => {
    // The integer kernels round activations to 8 bits per block, so a last-bit change upstream (here: the chunking)
    // can cross a rounding boundary and move logits by ~1e-2. In fp32 the same change moves them by float noise,
    // which is what accuracy measurements of the attention need (ModelOptions::exactMatmul).
    const toks = tokenRun(300, 7, 49152);
    const chunkedDiff = (m: any) => {
      m.reset();
      const whole: Float32Array = m.eval(toks, { logits: [299] });
      m.reset();
      m.eval(toks.subarray(0, 100), { logits: 'none' });
      m.eval(toks.subarray(100, 299), { logits: 'none' });
      return { whole, diff: maxRelDiff(m.eval(toks.subarray(299)), whole) };
    };
    const exact = new addon.Model(file, { threads: 2, maxContext: 1024, exactMatmul: true });
    try {
      const integer = chunkedDiff(model), fp32 = chunkedDiff(exact);
      assert.ok(fp32.diff < 1e-5, `fp32 matmuls: chunked prefill vs one prefill differ by ${fp32.diff}`);
      assert.ok(integer.diff > 100 * fp32.diff, `8-bit activations: ${integer.diff}, fp32: ${fp32.diff}`);
      // The same model either way: the two paths differ by the activations' rounding alone.
      const between = maxRelDiff(fp32.whole, integer.whole);
      assert.ok(between > 1e-4 && between < 0.1, `fp32 vs integer-kernel logits: ${between}`);
      assert.strictEqual(argmax(fp32.whole), argmax(integer.whole));
      exact.reset();
      const ids = tokenize('The capital of France is');
      assert.strictEqual(detokenize([argmax(exact.eval(Int32Array.from(ids)))]), ' Paris');
    } finally {
      exact.dispose();
    }
    assert.throws(() => new addon.Model(file, { device: 'cuda', exactMatmul: true }), /exactMatmul works on device 'cpu' only/);
    assert.throws(() => new addon.Model(file, { exactMatmul: 1 }), /exactMatmul must be a boolean/);
  });

  it('evalAsync returns what eval returns without blocking the event loop', async () => {
    const ids = Int32Array.from(tokenize('Hello, world! This is a test of the asynchronous path.'));
    model.reset();
    const sync: Float32Array = model.eval(ids);
    model.reset();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = model.evalAsync(ids);
    assert.throws(() => model.eval(ids), /evalAsync is still running/);
    const async_: Float32Array = await pending;
    clearInterval(timer);
    assert.ok(maxRelDiff(async_, sync) < 1e-6);
    assert.strictEqual(model.position, ids.length);
    assert.ok(ticks > 0, 'timers ran while the eval was on the worker thread');
  });

  it('captures post-RoPE Q/K/V of the listed layers', () => {
    model.reset();
    const toks = tokenRun(70, 3, 49152);
    model.eval(toks, { logits: 'none' });
    const c = model.captured(29);
    assert.deepStrictEqual([c.heads, c.kvHeads, c.headDim, c.seq], [9, 3, 64, 70]);
    assert.strictEqual(c.q.length, 9 * 70 * 64);
    assert.strictEqual(c.k.length, 3 * 70 * 64);
    assert.ok(c.q.every(Number.isFinite) && c.v.some((x: number) => x !== 0));
    assert.throws(() => model.captured(5), /captureLayers/);
  });

  it('reports the UniSparse plan of the last prefill', () => {
    model.reset();
    model.setAttention({ mode: 'unisparse', tau: 0.9, blockSize: 64 });
    try {
      model.eval(tokenRun(640, 11, 49152), { logits: 'none' });
      const a = model.lastAttention();
      assert.strictEqual(a.mode, 'unisparse');
      assert.strictEqual(a.nBlocks, 10);
      assert.ok(a.density > 0 && a.density <= 1, `density ${a.density}`);
      assert.strictEqual(a.keyBlockScore.length, 10);
      assert.ok(a.keyBlockScore[0] > 0, 'the sink block is always kept');
      assert.strictEqual(a.heatmap.mask.length, 100);
      for (let bq = 0; bq < 10; bq++) {
        assert.strictEqual(a.heatmap.mask[bq * 10 + bq], 1, `diagonal block ${bq} kept`);
        assert.strictEqual(a.heatmap.mask[bq * 10], 1, `sink kept for row ${bq}`);
        for (let bk = bq + 1; bk < 10; bk++) assert.strictEqual(a.heatmap.mask[bq * 10 + bk], 0, 'never above the diagonal');
      }
    } finally {
      model.setAttention({ mode: 'dense' });
    }
  });

  it('rejects bad input with sentences and leaves the cache unchanged', () => {
    model.reset();
    model.eval([1, 2, 3], { logits: 'none' });
    assert.throws(() => model.eval([5, 49152]), /token 49152 at index 1 is outside the vocabulary/);
    assert.throws(() => model.eval([5], { logits: [3] }), /logits row 3 is outside/);
    assert.throws(() => model.eval('abc'), /Int32Array or an array/);
    assert.throws(() => model.truncate(10), /truncate\(10\)/);
    assert.strictEqual(model.position, 3);
    assert.throws(() => model.eval(new Int32Array(1100)), /KV cache holds 1024 tokens/);
    assert.throws(() => new addon.Model(file, { device: 'tpu' }), /device 'tpu' is not known/);
    if (addon.backend !== 'cuda') assert.throws(() => new addon.Model(file, { device: 'cuda' }), /no CUDA kernels/);
    assert.throws(() => new addon.Model(file, { blockSize: 32 }), /blockSize 32/);
    assert.throws(() => new addon.Model('/nonexistent/model.gguf'), /\/nonexistent\/model\.gguf: cannot open/);
  });
});
