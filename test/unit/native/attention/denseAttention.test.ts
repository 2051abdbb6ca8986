// Dense CPU attention against the float64 reference: causal and not, GQA, lengths that are not multiples of
// the block size, and prefill chunks whose queries start inside a block.
import * as assert from 'assert';
import { denseAttentionReference, maxAbsDiff } from '../../../support/attentionReference';
import { gaussian } from '../../../support/plantedAttention';
import { seededRandom } from '../../../support/random';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../../../native');

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => scale * gaussian(rand));
}

describe('dense CPU attention', () => {
  const cases = [
    { heads: 2, kvHeads: 2, headDim: 64, seqQ: 64, seqK: 64, causal: true },
    { heads: 4, kvHeads: 2, headDim: 64, seqQ: 200, seqK: 200, causal: true },   // GQA, partial last block
    { heads: 6, kvHeads: 2, headDim: 128, seqQ: 131, seqK: 131, causal: true },
    { heads: 3, kvHeads: 1, headDim: 32, seqQ: 1, seqK: 150, causal: true },     // decode row
    { heads: 2, kvHeads: 1, headDim: 64, seqQ: 70, seqK: 250, causal: true },    // chunk starting mid-block
    { heads: 2, kvHeads: 2, headDim: 16, seqQ: 90, seqK: 90, causal: false },
    // Decode-sized tasks (<= 4 rows per kv head) take the in-place dot-product path instead of the transpose.
    { heads: 4, kvHeads: 1, headDim: 128, seqQ: 1, seqK: 333, causal: true },
    { heads: 2, kvHeads: 1, headDim: 64, seqQ: 2, seqK: 129, causal: true },
    { heads: 2, kvHeads: 2, headDim: 48, seqQ: 1, seqK: 100, causal: true },
    // Long decode rows are split along their key blocks across threads and merged (flash-decoding).
    { heads: 3, kvHeads: 1, headDim: 64, seqQ: 1, seqK: 2000, causal: true, threads: 2 },
    { heads: 2, kvHeads: 1, headDim: 128, seqQ: 2, seqK: 1500, causal: true, threads: 2 },
    { heads: 2, kvHeads: 2, headDim: 64, seqQ: 1, seqK: 1100, causal: false, threads: 2 },
  ];
  for (const [n, c] of cases.entries()) {
    it(`matches the float64 reference within 1e-5: ${JSON.stringify(c)}`, () => {
      // Scale 2 gives logits of a few units, so the softmax is far from uniform and errors would show.
      const q = randomArray(c.heads * c.seqQ * c.headDim, 10 + n, 2);
      const k = randomArray(c.kvHeads * c.seqK * c.headDim, 20 + n, 2);
      const v = randomArray(c.kvHeads * c.seqK * c.headDim, 30 + n);
      const result = native.attention(q, k, v, { heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
        causal: c.causal, mode: 'dense', blockSize: 64, device: 'cpu', threads: (c as { threads?: number }).threads });
      const expected = denseAttentionReference(q, k, v, c, c.causal);
      assert.ok(maxAbsDiff(result.out, expected) < 1e-5, `max abs diff ${maxAbsDiff(result.out, expected)}`);
      assert.strictEqual(result.density, 1);
      assert.strictEqual(result.out.length, q.length);
      assert.ok(result.out.some((x: number) => x !== 0));
    });
  }

  it('returns a full causal mask [heads, nBlocks, nBlocks]', () => {
    const heads = 2, d = 8, seq = 130;
    const r = native.attention(randomArray(heads * seq * d, 1), randomArray(seq * d, 2), randomArray(seq * d, 3),
      { heads, kvHeads: 1, headDim: d, causal: true, mode: 'dense', blockSize: 64 });
    assert.strictEqual(r.mask.length, heads * 3 * 3);
    const expected = [1, 0, 0, 1, 1, 0, 1, 1, 1];
    assert.deepStrictEqual(Array.from(r.mask.slice(0, 9)), expected);
    assert.deepStrictEqual(Array.from(r.mask.slice(9, 18)), expected);
  });
});
