// The model's attention hooks: captured post-RoPE Q/K/V, setAttention and lastAttention.
// Dense results are checked against the float64 reference; UniSparse with tau >= 1 must equal dense.
import * as assert from 'assert';
import { tinyConfig, randomTokens } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { referenceLogits } from '../../../support/llamaReference';
import { assertClose } from '../../../support/compare';
import { loadModelClass } from '../../../support/nativeModel';

describe('model runtime: attention inside the model', () => {
  const tmp = new TempModelDir();
  after(() => tmp.dispose());

  it('captured(layer) holds the post-RoPE Q/K/V of the last eval: q.k scores and V match the reference', () => {
    // Q and K may be stored in the runtime's own rotary pair order (ggml's adjacent pairs), so compare
    // what attention uses, the q.k score of every (head, query, key), which does not depend on that order.
    const cfg = tinyConfig();
    const m = tmp.gguf(cfg, 31);
    const tokens = randomTokens(24, cfg.vocabSize, 32);
    const ref: { q: Float64Array[]; k: Float64Array[]; v: Float64Array[] }[] = [];
    referenceLogits(cfg, m.reference, tokens, { onLayerQkv: (l, q, k, v) => { ref[l] = { q, k, v }; } });
    const model = new (loadModelClass())(m.path, { threads: 1, captureLayers: [1] }) as any;
    try {
      model.eval(tokens, { logits: 'none' });
      const c = model.captured(1);
      const { heads, kvHeads, headDim: hd, seq } = c;
      assert.deepStrictEqual([heads, kvHeads, hd, seq], [cfg.nHeads, cfg.nKvHeads, cfg.headDim, tokens.length]);
      const group = heads / kvHeads;
      const got: number[] = [], want: number[] = [];
      for (let h = 0; h < heads; h++) {
        const kvh = Math.floor(h / group);
        for (let i = 0; i < seq; i++) {
          for (let j = 0; j < seq; j++) {
            let a = 0, b = 0;
            for (let d = 0; d < hd; d++) {
              a += c.q[(h * seq + i) * hd + d] * c.k[(kvh * seq + j) * hd + d];
              b += ref[1].q[i][h * hd + d] * ref[1].k[j][kvh * hd + d];
            }
            got.push(a); want.push(b);
          }
        }
      }
      assertClose(got, want, 1e-4, 'captured q.k scores');
      const v: number[] = [];
      for (let h = 0; h < kvHeads; h++) for (let i = 0; i < seq; i++) for (let d = 0; d < hd; d++) v.push(ref[1].v[i][h * hd + d]);
      assertClose(c.v, v, 1e-4, 'captured V');
      assert.throws(() => model.captured(0), /captureLayers|not captured/);
    } finally {
      model.dispose();
    }
  });

  it('UniSparse with tau = 1 keeps every block and gives the dense logits', () => {
    const cfg = tinyConfig({ contextLength: 512 });
    const m = tmp.gguf(cfg, 33);
    const tokens = randomTokens(200, cfg.vocabSize, 34);
    const expected = referenceLogits(cfg, m.reference, tokens);
    const model = new (loadModelClass())(m.path, { threads: 1, maxContext: 512, attention: 'unisparse', tau: 1, blockSize: 64 }) as any;
    try {
      assertClose(model.eval(tokens, { logits: 'all' }), expected, 1e-4, 'unisparse tau=1', cfg.vocabSize);
      const a = model.lastAttention();
      assert.strictEqual(a.mode, 'unisparse');
      assert.strictEqual(a.nBlocks, 4);
      assert.strictEqual(a.density, 1);
    } finally {
      model.dispose();
    }
  });

  it('UniSparse with a low tau drops blocks; lastAttention reports a causal plan with sink and diagonal', () => {
    const cfg = tinyConfig({ contextLength: 512 });
    const m = tmp.gguf(cfg, 35);
    const tokens = randomTokens(320, cfg.vocabSize, 36);
    // Neighbour expansion off: over five blocks it would bring back the blocks a low tau drops.
    const model = new (loadModelClass())(m.path, { threads: 1, maxContext: 512, neighbourShare: 0 }) as any;
    try {
      const dense = model.eval(tokens, { logits: 'last' });
      assert.strictEqual(model.lastAttention().mode, 'dense');
      assert.strictEqual(model.lastAttention().density, 1);
      model.reset();
      model.setAttention({ mode: 'unisparse', tau: 0.3, blockSize: 64 });
      const sparse = model.eval(tokens, { logits: 'last' });
      const a = model.lastAttention();
      assert.strictEqual(a.mode, 'unisparse');
      assert.strictEqual(a.blockSize, 64);
      assert.strictEqual(a.nBlocks, 5);
      assert.ok(a.density > 0 && a.density < 1, `density ${a.density} should be below 1 at tau 0.3`);
      assert.strictEqual(a.keyBlockScore.length, 5);
      const { nBlocks, mask } = a.heatmap;
      assert.strictEqual(mask.length, nBlocks * nBlocks);
      for (let q = 0; q < nBlocks; q++) {
        assert.strictEqual(mask[q * nBlocks], 1, `sink block kept in row ${q}`);
        assert.strictEqual(mask[q * nBlocks + q], 1, `diagonal block kept in row ${q}`);
        for (let k = q + 1; k < nBlocks; k++) assert.strictEqual(mask[q * nBlocks + k], 0, `no future block ${k} in row ${q}`);
      }
      assert.ok(sparse.every(Number.isFinite));
      // Dropping blocks changes the result, but the last row keeps its own block and the sink.
      assert.notDeepStrictEqual(Array.from(sparse), Array.from(dense));
    } finally {
      model.dispose();
    }
  });

  it('checkRecall reaches the plan: 1 widens every head (more blocks), 0 none; out of [0, 1] is refused', () => {
    const cfg = tinyConfig({ contextLength: 512 });
    const m = tmp.gguf(cfg, 41);
    const tokens = randomTokens(384, cfg.vocabSize, 42);
    const Model = loadModelClass();
    const density = (checkRecall: number) => {
      const model = new Model(m.path, { threads: 1, maxContext: 512, attention: 'unisparse', tau: 0.3, blockSize: 64,
        neighbourShare: 0, copyRecent: 0, checkRecall }) as any;
      try {
        model.eval(tokens, { logits: 'none' });
        return model.lastAttention().density as number;
      } finally {
        model.dispose();
      }
    };
    const never = density(0), always = density(1);
    assert.ok(always > never, `checkRecall 1 keeps more blocks than 0: ${never} -> ${always}`);
    assert.ok(never < 1, `tau 0.3 without widening leaves blocks out: ${never}`);
    assert.throws(() => new Model(m.path, { checkRecall: 1.5 }), /checkRecall 1.5 must be in \[0, 1\]/);
  });

  it('UniSparse keeps the copy sources of repeated tokens in every layer; copyRecent 0 turns them off', () => {
    // A 64-token phrase at 100..163 comes back at 256..319: rows of block 4 copy from keys 101..164 (blocks 1 and 2).
    const cfg = tinyConfig({ contextLength: 512 });
    const m = tmp.gguf(cfg, 37);
    const tokens = randomTokens(384, cfg.vocabSize, 38);
    for (let i = 0; i < 64; i++) tokens[256 + i] = tokens[100 + i];
    const Model = loadModelClass();
    const run = (extra: object, evalTokens: number[]) => {
      const model = new Model(m.path, { threads: 1, maxContext: 512, attention: 'unisparse', tau: 0.3, blockSize: 64,
        neighbourShare: 0, ...extra }) as any;
      try {
        const logits = model.eval(evalTokens, { logits: 'last' });
        return { logits, attention: model.lastAttention() };
      } finally {
        model.dispose();
      }
    };
    const withCopies = run({}, tokens), without = run({ copyRecent: 0 }, tokens);
    const { nBlocks, mask } = withCopies.attention.heatmap;
    for (const b of [1, 2]) assert.strictEqual(mask[4 * nBlocks + b], 1, `row 4 keeps copy source block ${b}`);
    assert.ok(withCopies.attention.density > without.attention.density,
      `copy sources add blocks: ${without.attention.density} -> ${withCopies.attention.density}`);
    assert.ok(withCopies.attention.density < 1);
    // truncate forgets the dropped tokens' copy sources: after other tokens and a truncate, the rest of the sequence
    // gives what a fresh model evaluating the same two calls gives. (Plans depend on where a call starts, so the
    // reference is split at the same place.)
    const model = new Model(m.path, { threads: 1, maxContext: 512, attention: 'unisparse', tau: 0.3, blockSize: 64, neighbourShare: 0 }) as any;
    const fresh = new Model(m.path, { threads: 1, maxContext: 512, attention: 'unisparse', tau: 0.3, blockSize: 64, neighbourShare: 0 }) as any;
    try {
      fresh.eval(tokens.slice(0, 200), { logits: 'none' });
      const expected = fresh.eval(tokens.slice(200), { logits: 'last' });
      model.eval(tokens.slice(0, 200), { logits: 'none' });
      model.eval(tokens.slice(200, 320).reverse(), { logits: 'none' });  // the phrase, backwards: other copy sources
      model.truncate(200);
      assertClose(model.eval(tokens.slice(200), { logits: 'last' }), expected, 1e-6, 'after truncate', cfg.vocabSize);
    } finally {
      model.dispose();
      fresh.dispose();
    }
  });
});
