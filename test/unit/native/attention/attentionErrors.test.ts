// Bad input to attention()/attentionPlan() gets a TypeError/RangeError whose sentence names the problem;
// the process survives and the next good call still works.
import * as assert from 'assert';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../../../native');

describe('attention input validation', () => {
  const heads = 4, kvHeads = 2, headDim = 64, seq = 100;
  const q = new Float32Array(heads * seq * headDim).fill(0.1);
  const k = new Float32Array(kvHeads * seq * headDim).fill(0.2);
  const v = new Float32Array(kvHeads * seq * headDim).fill(0.3);
  const good = { heads, kvHeads, headDim, causal: true, mode: 'unisparse', blockSize: 64, tau: 0.9, device: 'cpu' };

  const cases: [string, () => unknown, RegExp, any][] = [
    ['heads not a multiple of kvHeads', () => native.attention(q, k, v, { ...good, kvHeads: 3 }), /multiple of kvHeads/, RangeError],
    ['q length not matching the shape', () => native.attention(q.subarray(1), k, v, good), /q has .* heads\*headDim/, RangeError],
    ['v shape differing from k', () => native.attention(q, k, v.subarray(64), good), /v has .* same shape/, RangeError],
    ['k shorter than q', () => native.attention(q, k.subarray(0, kvHeads * 50 * headDim), v.subarray(0, kvHeads * 50 * headDim), good), /k holds 50 positions/, RangeError],
    ['a plain array instead of Float32Array', () => native.attention(Array.from(q), k, v, good), /q must be a Float32Array/, TypeError],
    ['Float64Array k', () => native.attention(q, new Float64Array(k.length), v, good), /k must be a Float32Array/, TypeError],
    ['missing opts', () => native.attention(q, k, v), /opts/, TypeError],
    ['missing headDim', () => native.attention(q, k, v, { ...good, headDim: undefined }), /headDim is required/, TypeError],
    ['unsupported head dim', () => native.attention(new Float32Array(4 * 1024), new Float32Array(2 * 1024), new Float32Array(2 * 1024), { ...good, headDim: 1024 }), /headDim 1024 is not supported/, RangeError],
    ['block size not a power of two', () => native.attention(q, k, v, { ...good, blockSize: 48 }), /blockSize 48/, RangeError],
    ['tau out of range', () => native.attention(q, k, v, { ...good, tau: 1.5 }), /tau/, RangeError],
    ['tau zero', () => native.attention(q, k, v, { ...good, tau: 0 }), /tau/, RangeError],
    ['granularity not dividing the block', () => native.attention(q, k, v, { ...good, granularities: [5] }), /granularity 5 must divide blockSize 64/, RangeError],
    ['unknown mode', () => native.attention(q, k, v, { ...good, mode: 'sparse' }), /'dense' or 'unisparse'/, RangeError],
    ['unknown device', () => native.attention(q, k, v, { ...good, device: 'gpu' }), /'cpu' or 'cuda'/, RangeError],
    ['unisparse without causal', () => native.attention(q, k, v, { ...good, causal: false }), /causal/, RangeError],
    ['lastBlockCheck not a boolean', () => native.attention(q, k, v, { ...good, lastBlockCheck: 'yes' }), /lastBlockCheck must be a boolean/, TypeError],
    ['checkRecall out of range', () => native.attention(q, k, v, { ...good, checkRecall: 2 }), /checkRecall is 2/, RangeError],
    ['fractional heads', () => native.attention(q, k, v, { ...good, heads: 2.5 }), /heads must be a non-negative integer/, RangeError],
  ];
  for (const [name, call, message, type] of cases) {
    it(`rejects ${name} with a clear ${type.name}`, () => {
      assert.throws(call, (e: Error) => e instanceof type && message.test(e.message));
    });
  }

  it('on a build without CUDA, device cuda says so; with CUDA it runs or explains why not', () => {
    if (native.backend === 'cpu') {
      assert.throws(() => native.attention(q, k, v, { ...good, device: 'cuda' }), /no CUDA backend/);
    } else {
      try {
        const r = native.attention(q, k, v, { ...good, device: 'cuda' });
        assert.strictEqual(r.out.length, q.length);
      } catch (e) {
        assert.match((e as Error).message, /cuda/i);
      }
    }
  });

  it('still works after the errors', () => {
    const r = native.attention(q, k, v, good);
    assert.ok(Math.abs(r.out[0] - 0.3) < 1e-6);   // constant v: every output is 0.3
  });
});
