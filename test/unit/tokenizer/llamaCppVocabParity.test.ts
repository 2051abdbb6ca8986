// Pre-tokenizer parity with llama.cpp for every supported `tokenizer.ggml.pre`, on a tiny vocabulary:
// with few merges, the ids expose exactly where each implementation splits the text. llama.cpp loads the
// vocabulary-only GGUF through node-llama-cpp's prebuilt CPU binary (no model weights needed).
import * as assert from 'assert';
import * as fs from 'fs';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { writeTinyVocabGguf } from './tinyVocab';
import { gguf } from '../../support/ggufWriter';

const TEXTS = [
  ' the thing 2025, theme: "hello"',
  "I'm sure they'll say you'd've DON'T it's",
  'x = a  +  b;\n\n\n\tif (y) {\r\n    return 123456789;\n  }\n   ',
  'naïve café — 日本語のテキスト 한국어 Ελληνικά 🎉🚀 ١٢٣',
  '   leading and trailing spaces   ',
  'snake_case camelCase SCREAMING_CASE 3.14e-10 0xFF',
  '!!! ??? ... --- ### $$$ ((( ))) {{{ }}}',
];

const HPARAMS: [string, ReturnType<typeof gguf.u32>][] = [
  ['llama.block_count', gguf.u32(1)],
  ['llama.embedding_length', gguf.u32(8)],
  ['llama.feed_forward_length', gguf.u32(8)],
  ['llama.attention.head_count', gguf.u32(1)],
  ['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
];

describe('pre-tokenizer parity with llama.cpp (vocabulary-only GGUFs)', function () {
  this.timeout(120000);
  let nl: { getLlama(o: object): Promise<{ loadModel(o: object): Promise<{ tokenize(t: string): number[]; dispose(): Promise<void> }>; dispose(): Promise<void> }> };
  before(async () => {
    nl = (await import('node-llama-cpp')) as unknown as typeof nl;
  });

  for (const pre of ['smollm', 'starcoder', 'gpt-2', 'olmo', 'llama-bpe', 'llama3', 'qwen2', 'stablelm2', 'deepseek-coder']) {
    it(`splits like llama.cpp for pre '${pre}'`, async () => {
      const w = writeTinyVocabGguf(HPARAMS, pre);
      const llama = await nl.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
      try {
        const model = await llama.loadModel({ modelPath: w.file, vocabOnly: true });
        const ours = await loadTokenizer(w.file);
        for (const text of TEXTS) {
          assert.deepStrictEqual(ours.encode(text, { parseSpecial: false }), Array.from(model.tokenize(text)), `${pre}: ${JSON.stringify(text)}`);
          assert.strictEqual(ours.count(text), model.tokenize(text).length);
        }
        await model.dispose();
      } finally {
        await llama.dispose();
        fs.rmSync(w.dir, { recursive: true, force: true });
      }
    });
  }
});
