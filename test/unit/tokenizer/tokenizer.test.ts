import * as assert from 'assert';
import * as fs from 'fs';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { useTinyVocabGguf, writeTinyVocabGguf } from './tinyVocab';
import { gguf } from '../../support/ggufWriter';

describe('tokenizer from a GGUF vocabulary', () => {
  const vocab = useTinyVocabGguf();

  it('applies the merges and byte-level encoding', async () => {
    const tok = await loadTokenizer(vocab.file);
    const vocabStart = 3; // after the three control tokens come the 256 byte symbols
    const ids = tok.encode(' the thing');
    // ' the' -> 'Ġthe' (one merged token); ' thing' -> 'Ġt' + 'h' + 'ing'
    assert.deepStrictEqual(ids.map((i) => tok.decode([i])), [' the', ' t', 'h', 'ing']);
    assert.ok(ids.every((i) => i >= vocabStart));
  });

  it('round-trips code and non-ASCII text exactly', async () => {
    const tok = await loadTokenizer(vocab.file);
    for (const text of ['const x = 42;\n\tif (x) { return "ok"; }\n', 'héllo wörld — 世界 🎉 ñ', '  two  spaces\r\n', '']) {
      assert.strictEqual(tok.decode(tok.encode(text)), text);
    }
  });

  it('splits every digit on its own (smollm pre-tokenizer)', async () => {
    const tok = await loadTokenizer(vocab.file);
    assert.deepStrictEqual(tok.encode('2025').map((i) => tok.decode([i])), ['2', '0', '2', '5']);
  });

  it('matches control tokens in text and reports them as special', async () => {
    const tok = await loadTokenizer(vocab.file);
    const ids = tok.encode('<|im_start|>user\nhi<|im_end|>');
    assert.strictEqual(ids[0], 1);
    assert.strictEqual(ids[ids.length - 1], 2);
    assert.ok(tok.isSpecial(1) && tok.isSpecial(2) && !tok.isSpecial(ids[1]));
    assert.strictEqual(tok.decode(ids, { skipSpecial: true }), 'user\nhi');
    assert.deepStrictEqual([...tok.eos].sort(), [0, 2]); // eos_token_id plus the end-of-text control token
    assert.strictEqual(tok.bos, 1);
    assert.ok(tok.chatTemplate?.includes('im_start'));
  });

  it('gives each token its character span, also across multi-byte characters', async () => {
    const tok = await loadTokenizer(vocab.file);
    const text = 'a€b the 🎉';
    const { ids, spans } = tok.encodeWithOffsets(text);
    assert.strictEqual(spans.length, ids.length * 2);
    assert.strictEqual(spans[0], 0);
    assert.strictEqual(spans[spans.length - 1], text.length);
    for (let i = 0; i < ids.length; i++) {
      assert.ok(spans[2 * i] <= spans[2 * i + 1], `span ${i} is ordered`);
      if (i > 0) assert.ok(spans[2 * i] >= spans[2 * i - 2], `span ${i} does not go back`);
    }
    // Tokens that are whole characters map back to exactly those characters.
    const pieces = ids.map((_, i) => text.slice(spans[2 * i], spans[2 * i + 1]));
    assert.ok(pieces.includes(' the'));
    assert.strictEqual(tok.count(text), ids.length);
  });

  it('explains an unsupported pre-tokenizer and a missing file', async () => {
    const other = writeTinyVocabGguf([], 'no-such-pre');
    try {
      await assert.rejects(loadTokenizer(other.file), /tokenizer.ggml.pre 'no-such-pre' is not supported \(supported: .*smollm/);
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
    await assert.rejects(loadTokenizer(`${vocab.dir}/missing.gguf`), /does not exist.*fetch-model/);
  });

  it('adds BOS only when the GGUF asks for it', async () => {
    const withBos = writeTinyVocabGguf([['tokenizer.ggml.add_bos_token', gguf.bool(true)]]);
    try {
      const tok = await loadTokenizer(withBos.file);
      assert.strictEqual(tok.encode('hi', { addSpecial: true })[0], 1);
      assert.notStrictEqual(tok.encode('hi')[0], 1);
    } finally {
      fs.rmSync(withBos.dir, { recursive: true, force: true });
    }
    const tok = await loadTokenizer(vocab.file);
    assert.notStrictEqual(tok.encode('hi', { addSpecial: true })[0], 1);
  });
});

describe('tokenizer: literal text', () => {
  const vocab = useTinyVocabGguf();

  it('does not match control tokens in repository text, only in the template around it', async () => {
    const tok = await loadTokenizer(vocab.file);
    const context = 'x = "<|im_end|>"';
    const prompt = `<|im_start|>user\n${context}<|im_end|>`;
    const start = prompt.indexOf(context);
    const { ids, spans } = tok.encodeWithOffsets(prompt, { literal: [start, start + context.length] });
    assert.strictEqual(ids.filter((i) => i === 2).length, 1, 'only the template end-of-turn is a control token');
    assert.strictEqual(ids[ids.length - 1], 2);
    assert.strictEqual(tok.decode(ids), prompt);
    assert.strictEqual(spans[spans.length - 1], prompt.length);
    assert.ok(!tok.encode(context, { parseSpecial: false }).includes(2));
    assert.strictEqual(tok.count(context), tok.encode(context, { parseSpecial: false }).length);
  });
});

describe('tokenizer: fast token count', () => {
  const texts = [
    'const answer = 42; // the thing\n\n\tif (x >= 10_000) { return "héllo 世界 🎉"; }\n',
    "I'm sure they'll say you'd've DON'T it's   \n\n  trailing  ",
    '\u0085 next-line and \ufeff byte-order marks 1234567890 ١٢٣',
    '',
  ];
  for (const pre of ['smollm', 'gpt-2', 'llama-bpe', 'qwen2', 'deepseek-coder']) {
    it(`equals the full encode length (${pre})`, async () => {
      const w = writeTinyVocabGguf([], pre);
      try {
        const tok = await loadTokenizer(w.file);
        for (const t of texts) {
          assert.strictEqual(tok.count(t), tok.encode(t, { parseSpecial: false }).length, `${pre}: ${JSON.stringify(t)}`);
          assert.strictEqual(tok.count(t), tok.count(t), 'cached words give the same count');
        }
        assert.strictEqual(tok.count, tok.count, 'count is one stable function');
      } finally {
        fs.rmSync(w.dir, { recursive: true, force: true });
      }
    });
  }
});
