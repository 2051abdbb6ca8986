import * as assert from 'assert';
import * as fs from 'fs';
import { loadTokenizer, TextTokenizer } from '../../../server/tokenizer/tokenizer';
import { StreamingDecoder } from '../../../server/tokenizer/streamingDecoder';
import { writeTinyVocabGguf } from './tinyVocab';

describe('streaming decoder', () => {
  let tok: TextTokenizer;
  let dir = '';
  before(async () => {
    const w = writeTinyVocabGguf();
    dir = w.dir;
    tok = await loadTokenizer(w.file);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('never releases half a UTF-8 character', () => {
    const ids = tok.encode('é🎉'); // byte tokens: 2 + 4
    assert.strictEqual(ids.length, 6);
    const d = new StreamingDecoder(tok);
    const released = ids.map((id) => d.push(id));
    assert.deepStrictEqual(released, ['', 'é', '', '', '', '🎉']);
    assert.strictEqual(d.text, 'é🎉');
  });

  it('holds back a possible stop string and cuts at it', () => {
    const d = new StreamingDecoder(tok, ['STOP']);
    let out = '';
    for (const id of tok.encode('abc STO')) out += d.push(id);
    assert.strictEqual(out, 'abc ', 'the prefix "STO" is held back');
    for (const id of tok.encode('P and more')) out += d.push(id);
    assert.strictEqual(out, 'abc ');
    assert.ok(d.stopped);
    assert.strictEqual(d.flush(), '');
  });

  it('releases a held-back prefix that turned out not to be a stop string', () => {
    const d = new StreamingDecoder(tok, ['STOP']);
    let out = '';
    for (const id of tok.encode('xST')) out += d.push(id);
    out += d.flush();
    assert.strictEqual(out, 'xST');
  });

  it('does not print control tokens', () => {
    const d = new StreamingDecoder(tok);
    let out = '';
    for (const id of tok.encode('hi<|im_end|>')) out += d.push(id);
    assert.strictEqual(out, 'hi');
  });
});
