// The model must find real source code far more predictable than the same tokens in a shuffled order:
// a broken forward pass, tokenizer or KV cache scores both about the same.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { seededRandom } from '../../server/engine/child/sampler';
import { openSmolLm2, meanNll } from './nativeSmolLm2';
import { smolLm2Path } from './modelFile';

const N = 256;

function shuffled(tokens: number[], seed: number): number[] {
  const out = tokens.slice();
  const r = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('SmolLM2 perplexity on real source files', function () {
  this.timeout(600000);
  const files = [
    path.join(__dirname, '..', '..', 'node_modules', 'typescript', 'lib', 'lib.es5.d.ts'),
    path.join(__dirname, '..', '..', 'server', 'engine', 'child', 'sampler.ts'),
  ];

  for (const file of files) {
    it(`${path.basename(file)}: real order is far more likely than shuffled`, async () => {
      const tok = await loadTokenizer(smolLm2Path());
      const text = fs.readFileSync(file, 'utf8');
      const tokens = tok.encode(text, { parseSpecial: false }).slice(0, N);
      assert.strictEqual(tokens.length, N);
      const model = openSmolLm2();
      try {
        const vocab = model.info.vocabSize;
        const real = meanNll(model.eval(tokens, { logits: 'all' }), tokens, vocab);
        model.reset();
        const mixed = shuffled(tokens, 42);
        const random = meanNll(model.eval(mixed, { logits: 'all' }), mixed, vocab);
        const pplReal = Math.exp(real);
        const pplShuffled = Math.exp(random);
        console.log(`      ${path.basename(file)}: perplexity ${pplReal.toFixed(2)} real vs ${pplShuffled.toFixed(1)} shuffled (${N} tokens)`);
        assert.ok(pplReal < 60, `real perplexity ${pplReal} is too high for source code`);
        assert.ok(pplReal * 10 < pplShuffled, `real ${pplReal} is not far below shuffled ${pplShuffled}`);
      } finally {
        model.dispose();
      }
    });
  }
});
