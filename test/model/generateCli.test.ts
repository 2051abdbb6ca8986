// `unisparse generate` with the real model: a chat answer, and seeded sampling that repeats exactly.
import * as assert from 'assert';
import { runCli } from './cliRunner';
import { smolLm2Path } from './modelFile';

describe('unisparse generate', function () {
  this.timeout(300000);

  it('answers a chat prompt greedily', async () => {
    const r = await runCli(['generate', '--model', smolLm2Path(), '--chat', '--max-tokens', '20', '--prompt', 'What is the capital city of France? Answer in one sentence.']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /Paris/);
    assert.match(r.stderr, /prompt tokens, \d+ generated \(eos\)/);
  });

  it('repeats a sampled completion for the same seed and changes with another', async () => {
    const args = (seed: number) => ['generate', '--model', smolLm2Path(), '--json', '--max-tokens', '16', '--temperature', '1.0', '--seed', String(seed), '--prompt', 'Once upon a time'];
    const a = JSON.parse((await runCli(args(1))).stdout);
    const b = JSON.parse((await runCli(args(1))).stdout);
    const c = JSON.parse((await runCli(args(2))).stdout);
    assert.deepStrictEqual(a.tokens, b.tokens);
    assert.strictEqual(a.tokens.length, 16);
    assert.notDeepStrictEqual(a.tokens, c.tokens);
  });
});
