import * as assert from 'assert';
import { Sampler, seededRandom, argmax } from '../../../../server/engine/child/sampler';

function logitsOf(values: number[]): Float32Array {
  return Float32Array.from(values);
}

describe('sampler', () => {
  const row = logitsOf([0.1, 2.0, 1.9, -1, 0.5]);

  it('greedy picks the largest logit', () => {
    assert.strictEqual(new Sampler().sample(row), 1);
    assert.strictEqual(argmax(logitsOf([3, 3, 1])), 0);
  });

  it('the same seed gives the same samples; another seed differs somewhere', () => {
    const draw = (seed: number) => { const s = new Sampler({ temperature: 1.5, topK: 0, topP: 1, seed }); return Array.from({ length: 50 }, () => s.sample(row)); };
    assert.deepStrictEqual(draw(7), draw(7));
    assert.notDeepStrictEqual(draw(7), draw(8));
  });

  it('top-k 1 and a tiny top-p are greedy even at high temperature', () => {
    const k1 = new Sampler({ temperature: 5, topK: 1, seed: 3 });
    const p0 = new Sampler({ temperature: 5, topK: 0, topP: 0.01, seed: 3 });
    for (let i = 0; i < 20; i++) {
      assert.strictEqual(k1.sample(row), 1);
      assert.strictEqual(p0.sample(row), 1);
    }
  });

  it('temperature sampling follows the softmax distribution', () => {
    const s = new Sampler({ temperature: 1, topK: 0, topP: 1, seed: 11 });
    const two = logitsOf([Math.log(3), 0]); // p = [0.75, 0.25]
    let zeros = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) if (s.sample(two) === 0) zeros++;
    assert.ok(Math.abs(zeros / n - 0.75) < 0.03, `share of token 0 was ${zeros / n}`);
  });

  it('repetition penalty moves greedy off a repeated token', () => {
    const close = logitsOf([1.0, 1.05, 0]);
    assert.strictEqual(new Sampler().sample(close, [1]), 1);
    assert.strictEqual(new Sampler({ repetitionPenalty: 1.3 }).sample(close, [1]), 0);
  });

  it('rejects nonsense options with a sentence', () => {
    assert.throws(() => new Sampler({ temperature: -1 }), /temperature must be >= 0/);
    assert.throws(() => new Sampler({ topP: 0 }), /top-p must be in/);
  });

  it('seededRandom is uniform in [0, 1)', () => {
    const r = seededRandom(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) { const x = r(); assert.ok(x >= 0 && x < 1); sum += x; }
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  });
});
