import * as assert from 'assert';
import { Sampler } from '../../../../server/engine/child/sampler';
import { ngramBans, penalizeRecent } from '../../../../server/engine/child/repetitionControl';

/** Greedy decoding of a toy "model" whose logits always prefer continuing a fixed cycle of tokens. */
function loopingLogits(history: number[], vocab: number): Float32Array {
  const row = new Float32Array(vocab).fill(0);
  const last = history[history.length - 1];
  row[(last + 1) % 4] = 5; // 0 -> 1 -> 2 -> 3 -> 0 ...: a four-token loop
  row[4 + (history.length % 3)] = 4; // weaker, varying alternatives
  return row;
}

describe('repetition control', () => {
  it('ngramBans lists the tokens that would complete an n-gram of the answer', () => {
    // Answer [7, 1, 2, 9, 1, 2]: the suffix (1, 2) was followed by 9 before, so 9 is banned for n = 3.
    assert.deepStrictEqual([...ngramBans([7, 1, 2, 9, 1, 2], 0, 3)], [9]);
    // Two earlier occurrences of the suffix ban both followers.
    assert.deepStrictEqual([...ngramBans([1, 5, 1, 6, 1], 0, 2)].sort(), [5, 6]);
    // Nothing repeats yet: nothing is banned.
    assert.strictEqual(ngramBans([1, 2, 3, 4], 0, 3).size, 0);
  });

  it('ngramBans ignores the prompt before answerStart', () => {
    // The prompt holds (1, 2, 3); the answer so far is (1, 2): quoting the prompt stays allowed.
    assert.strictEqual(ngramBans([1, 2, 3, 0, 1, 2], 4, 3).size, 0);
    assert.deepStrictEqual([...ngramBans([1, 2, 3, 0, 1, 2], 0, 3)], [3]);
  });

  it('penalizeRecent divides positive and multiplies negative logits of recent tokens only', () => {
    const row = Float32Array.from([2, -2, 2, 1]);
    const out = penalizeRecent(row, [0, 1, 9], 2, 2); // window: tokens 1 and 9 (out of range: ignored)
    assert.deepStrictEqual(Array.from(out), [2, -4, 2, 1]);
    assert.deepStrictEqual(Array.from(row), [2, -2, 2, 1], 'the input row is not modified');
  });

  it('a greedy loop without control repeats forever; the n-gram ban breaks it', () => {
    const run = (sampler: Sampler) => {
      const history = [0];
      for (let i = 0; i < 24; i++) history.push(sampler.sample(loopingLogits(history, 8), history, 1));
      return history.slice(1);
    };
    const free = run(new Sampler());
    assert.deepStrictEqual(free.slice(0, 8), [1, 2, 3, 0, 1, 2, 3, 0]);
    const controlled = run(new Sampler({ noRepeatNgram: 3 }));
    // No 3-gram occurs twice in the controlled answer.
    const seen = new Set<string>();
    for (let i = 0; i + 3 <= controlled.length; i++) {
      const key = controlled.slice(i, i + 3).join(',');
      assert.ok(!seen.has(key), `3-gram ${key} repeated in ${controlled.join(' ')}`);
      seen.add(key);
    }
    assert.ok(controlled.some((t) => t >= 4), 'the ban made the sampler take an alternative');
  });

  it('the ban applies under temperature sampling too', () => {
    const s = new Sampler({ temperature: 1, topK: 0, topP: 1, noRepeatNgram: 2, seed: 5 });
    const row = Float32Array.from([0, 10, 0]); // token 1 is ~all the mass
    for (let i = 0; i < 50; i++) assert.notStrictEqual(s.sample(row, [1, 1], 0), 1);
  });

  it('never bans every token', () => {
    const s = new Sampler({ noRepeatNgram: 1 });
    assert.strictEqual(s.sample(Float32Array.from([1, 3]), [0, 1], 0), 1);
  });

  it('rejects a bad n-gram size or penalty with a sentence', () => {
    assert.throws(() => new Sampler({ noRepeatNgram: 2.5 }), /no-repeat n-gram size must be a whole number/);
    assert.throws(() => new Sampler({ repetitionPenalty: 0 }), /repetition penalty must be > 0/);
  });
});
