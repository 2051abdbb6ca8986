// A tiny byte-level BPE vocabulary written into a GGUF (metadata only), so tokenizer tests run without
// downloading a model: 3 control tokens, the 256 byte symbols, and a handful of merges.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeGguf, gguf, GgufValue } from '../../support/ggufWriter';
import { BYTE_TO_CHAR } from '../../../server/tokenizer/byteLevel';

export const TINY_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
export const TINY_MERGES = ['Ġ t', 'h e', 'Ġt he', 'i n', 'in g', 'Ġ Ġ'];

export function tinyVocabTokens(): string[] {
  const merged = TINY_MERGES.map((m) => m.replace(' ', ''));
  return [...TINY_SPECIALS, ...BYTE_TO_CHAR, ...merged];
}

export function writeTinyVocabGguf(extra: [string, GgufValue][] = [], pre = 'smollm'): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-vocab-'));
  const file = path.join(dir, 'vocab.gguf');
  const tokens = tinyVocabTokens();
  writeGguf(file, {
    metadata: [
      ['general.architecture', gguf.str('llama')],
      ['llama.context_length', gguf.u32(256)],
      ['tokenizer.ggml.model', gguf.str('gpt2')],
      ['tokenizer.ggml.pre', gguf.str(pre)],
      ['tokenizer.ggml.tokens', gguf.arr('string', tokens)],
      ['tokenizer.ggml.token_type', gguf.arr('i32', tokens.map((_, i) => (i < TINY_SPECIALS.length ? 3 : 1)))],
      ['tokenizer.ggml.merges', gguf.arr('string', TINY_MERGES)],
      ['tokenizer.ggml.bos_token_id', gguf.u32(1)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(2)],
      ['tokenizer.chat_template', gguf.str("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{'<|im_start|>assistant\\n'}}{% endif %}")],
      ...extra,
    ],
    tensors: [],
  });
  return { file, dir };
}

/** Mocha hooks for a describe block: a fresh tiny vocabulary GGUF before its tests, removed after them. */
export function useTinyVocabGguf(): { file: string; dir: string } {
  const vocab = { file: '', dir: '' };
  before(() => Object.assign(vocab, writeTinyVocabGguf()));
  after(() => fs.rmSync(vocab.dir, { recursive: true, force: true }));
  return vocab;
}
