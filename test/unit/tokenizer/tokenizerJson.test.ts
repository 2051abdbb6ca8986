// A Hugging Face model directory (tokenizer.json + tokenizer_config.json) gives the same tokenizer as the
// GGUF vocabulary it was made from.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { readGgufMetadata } from '../../../server/tokenizer/ggufMetadata';
import { tokenizerSpecFromGguf } from '../../../server/tokenizer/ggufTokenizerJson';
import { writeTinyVocabGguf } from './tinyVocab';

describe('tokenizer from tokenizer.json', () => {
  let dir = '';
  let file = '';
  let hfDir = '';
  before(() => {
    ({ file, dir } = writeTinyVocabGguf());
    const spec = tokenizerSpecFromGguf(file, readGgufMetadata(file).metadata);
    hfDir = path.join(dir, 'hf');
    fs.mkdirSync(hfDir);
    fs.writeFileSync(path.join(hfDir, 'tokenizer.json'), JSON.stringify(spec.tokenizerJson));
    fs.writeFileSync(path.join(hfDir, 'tokenizer_config.json'), JSON.stringify({
      bos_token: '<|im_start|>', eos_token: '<|im_end|>', add_bos_token: false, chat_template: spec.chatTemplate,
    }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('encodes, decodes and finds the chat template and end tokens like the GGUF', async () => {
    const fromDir = await loadTokenizer(hfDir);
    const fromGguf = await loadTokenizer(file);
    for (const t of ['the thing 123 héllo', '<|im_start|>user\nhi<|im_end|>\n', '  \n\tcode();']) {
      assert.deepStrictEqual(fromDir.encode(t), fromGguf.encode(t));
      assert.strictEqual(fromDir.decode(fromDir.encode(t)), t);
      assert.strictEqual(fromDir.count(t), fromGguf.count(t));
    }
    assert.strictEqual(fromDir.chatTemplate, fromGguf.chatTemplate);
    assert.ok(fromDir.eos.includes(2));
    assert.strictEqual(fromDir.bos, 1);
  });

  it('explains a model directory without tokenizer.json', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await assert.rejects(loadTokenizer(empty), /no tokenizer.json in the model directory/);
  });
});
