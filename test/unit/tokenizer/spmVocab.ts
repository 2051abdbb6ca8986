// A tiny SentencePiece vocabulary (GGUF tokenizer.ggml.model = 'llama') with scores and byte pieces.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeGguf, gguf } from '../../support/ggufWriter';

const PIECES = ['▁', 'e', 't', 'h', 'i', 'n', 'g', 'o', 'a', 's', 'r', 'l', 'c', 'd', 'u', '(', ')', '{', '}', ';', '=',
  '▁t', 'he', '▁the', 'in', 'ing', '▁a', 'an', '▁an', 'nd', '▁and', 'er', 'on', '▁c', 'co', 'ode', '▁co', '▁code', 're', 'ret', 'ur', 'urn', '▁ret', '▁return', '▁▁', '▁▁▁▁'];

export function writeSpmVocabGguf(): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-spm-'));
  const file = path.join(dir, 'spm.gguf');
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const tokens = ['<unk>', '<s>', '</s>', ...bytes, ...PIECES];
  const types = tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1));
  // Longer pieces score higher, like a trained SentencePiece model; ties broken by position.
  const scores = tokens.map((t, i) => (i < 259 ? 0 : -1000 + Array.from(t).length * 10 - i * 0.01));
  writeGguf(file, {
    metadata: [
      ['general.architecture', gguf.str('llama')],
      ['llama.context_length', gguf.u32(256)],
      ['llama.block_count', gguf.u32(1)],
      ['llama.embedding_length', gguf.u32(8)],
      ['llama.feed_forward_length', gguf.u32(8)],
      ['llama.attention.head_count', gguf.u32(1)],
      ['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
      ['tokenizer.ggml.model', gguf.str('llama')],
      ['tokenizer.ggml.tokens', gguf.arr('string', tokens)],
      ['tokenizer.ggml.scores', gguf.arr('f32', scores)],
      ['tokenizer.ggml.token_type', gguf.arr('i32', types)],
      ['tokenizer.ggml.bos_token_id', gguf.u32(1)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(2)],
      ['tokenizer.ggml.unknown_token_id', gguf.u32(0)],
    ],
    tensors: [],
  });
  return { file, dir };
}
