import * as assert from 'assert';
import * as fs from 'fs';
import { readGgufMetadata, isGgufFile, GgufFormatError } from '../../../server/tokenizer/ggufMetadata';
import { writeTinyVocabGguf, tinyVocabTokens } from './tinyVocab';
import { gguf } from '../../support/ggufWriter';

describe('GGUF metadata reader (JS)', () => {
  let file = '';
  let dir = '';
  before(() => {
    ({ file, dir } = writeTinyVocabGguf([
      ['test.f64', { type: 'f64', value: 2.5 }],
      ['test.i64', { type: 'i64', value: -7n }],
      ['test.bool', gguf.bool(true)],
      ['test.nested', gguf.arr('u32', [1, 2, 3])],
    ]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every value type and the vocabulary arrays', () => {
    const md = readGgufMetadata(file);
    assert.strictEqual(md.version, 3);
    assert.strictEqual(md.tensorCount, 0);
    assert.strictEqual(md.metadata.get('tokenizer.ggml.model'), 'gpt2');
    assert.deepStrictEqual(md.metadata.get('tokenizer.ggml.tokens'), tinyVocabTokens());
    assert.strictEqual(md.metadata.get('llama.context_length'), 256);
    assert.strictEqual(md.metadata.get('test.f64'), 2.5);
    assert.strictEqual(md.metadata.get('test.i64'), -7);
    assert.strictEqual(md.metadata.get('test.bool'), true);
    assert.deepStrictEqual(md.metadata.get('test.nested'), [1, 2, 3]);
    assert.ok(isGgufFile(file));
  });

  it('rejects a wrong magic number with a message naming the file', () => {
    const bad = `${dir}/bad.gguf`;
    const bytes = fs.readFileSync(file);
    bytes.write('GGML', 0, 'ascii');
    fs.writeFileSync(bad, bytes);
    assert.strictEqual(isGgufFile(bad), false);
    assert.throws(() => readGgufMetadata(bad), (e: Error) => e instanceof GgufFormatError && e.message.includes(bad) && /wrong magic/.test(e.message));
  });

  it('rejects a file truncated inside its metadata', () => {
    const cut = `${dir}/cut.gguf`;
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 2000));
    assert.throws(() => readGgufMetadata(cut), (e: Error) => e instanceof GgufFormatError && /truncated/.test(e.message));
  });

  it('rejects a missing file with the path in the message', () => {
    assert.throws(() => readGgufMetadata(`${dir}/nope.gguf`), /nope\.gguf: cannot open/);
  });

  it('rejects an implausible metadata count instead of allocating for it', () => {
    const junk = `${dir}/junk.gguf`;
    const b = Buffer.alloc(64);
    b.write('GGUF', 0, 'ascii');
    b.writeUInt32LE(3, 4);
    b.writeBigUInt64LE(0n, 8);
    b.writeBigUInt64LE(1n << 40n, 16);
    fs.writeFileSync(junk, b);
    assert.throws(() => readGgufMetadata(junk), /metadata count .* not plausible/);
  });
});
