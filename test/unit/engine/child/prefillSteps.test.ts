import * as assert from 'assert';
import { prefillSteps } from '../../../../server/engine/child/generation';

describe('prefill chunking', () => {
  it('puts the short step first so the last step holds the final chunk of tokens', () => {
    assert.deepStrictEqual(prefillSteps(1100, 512), [76, 512, 512]);
    assert.deepStrictEqual(prefillSteps(1024, 512), [512, 512]);
    assert.deepStrictEqual(prefillSteps(30, 512), [30]);
    assert.deepStrictEqual(prefillSteps(0, 512), []);
  });

  it('covers every token exactly once', () => {
    for (const n of [1, 7, 511, 512, 513, 4097]) {
      assert.strictEqual(prefillSteps(n, 256).reduce((a, b) => a + b, 0), n);
    }
  });
});
