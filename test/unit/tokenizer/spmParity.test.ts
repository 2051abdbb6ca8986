// SentencePiece GGUF vocabularies: our tokenizer (BPE merges derived from the scores) against llama.cpp's
// SPM tokenizer on the same vocabulary-only GGUF.
import * as assert from 'assert';
import * as fs from 'fs';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { writeSpmVocabGguf } from './spmVocab';

const TEXTS = ['the code', 'return the answer and the code;', 'x=(a){b};', '  two leading', 'trailing  ', 'naïve 日本 🎉', 'a\nb\n\nc', 'thethe ingin'];

describe('SentencePiece vocabularies (GGUF model "llama")', function () {
  this.timeout(120000);
  let w: { file: string; dir: string };
  before(() => { w = writeSpmVocabGguf(); });
  after(() => fs.rmSync(w.dir, { recursive: true, force: true }));

  it('gives the same ids as llama.cpp', async () => {
    const nl = (await import('node-llama-cpp')) as unknown as { getLlama(o: object): Promise<{ loadModel(o: object): Promise<{ tokenize(t: string): number[]; dispose(): Promise<void> }>; dispose(): Promise<void> }> };
    const llama = await nl.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    try {
      const model = await llama.loadModel({ modelPath: w.file, vocabOnly: true });
      const ours = await loadTokenizer(w.file);
      for (const text of TEXTS) {
        assert.deepStrictEqual(ours.encode(text, { parseSpecial: false }), Array.from(model.tokenize(text)), JSON.stringify(text));
      }
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it('round-trips text, adds BOS, and maps spans onto the text', async () => {
    const tok = await loadTokenizer(w.file);
    assert.strictEqual(tok.encode('the', { addSpecial: true })[0], 1);
    assert.deepStrictEqual(tok.encode('the and').map((i) => tok.decode([i])), [' the', ' and']);
    for (const text of TEXTS) {
      const { ids, spans } = tok.encodeWithOffsets(text);
      // The SentencePiece space prefix is not part of the text.
      assert.strictEqual(tok.decode(ids).replace(/^ /, ''), text);
      assert.strictEqual(spans[0], 0);
      assert.strictEqual(spans[spans.length - 1], text.length);
      const pieces = ids.map((_, i) => text.slice(spans[2 * i], spans[2 * i + 1]));
      assert.strictEqual(pieces.join(''), text, 'spans tile the text');
    }
  });
});
