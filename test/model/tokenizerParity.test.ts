// Our tokenizer (built from the GGUF's vocabulary in JS) against llama.cpp's tokenizer of the same GGUF,
// through node-llama-cpp's prebuilt CPU binary.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadTokenizer, TextTokenizer } from '../../server/tokenizer/tokenizer';
import { smolLm2Path } from './modelFile';

const SAMPLES = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog. It\'s 2025, and we\'ve got 1234567 reasons.',
  'function add(a, b) {\n  return a + b;\n}\n',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 0x7fffffff); return 0; }\n',
  'fn main() { let v: Vec<u8> = vec![1, 2, 3]; println!("{:?}", v); }',
  '    indented\t\ttabs   and    spaces   \n\n\n  trailing  ',
  'Ünïcödé: naïve café, Straße, 日本語のテキスト, 한국어, Ελληνικά, עברית, emoji 🎉🚀👩‍💻',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;',
  "I'm sure they'll say you'd've DON'T it's",
  '<div class="x">&nbsp;</div>\r\n<script>let x = `${a}`;</script>',
  '3.14159 1e-10 -42 0b1010 1_000_000',
];

describe('tokenizer parity with llama.cpp (SmolLM2 GGUF)', function () {
  this.timeout(120000);
  let ours: TextTokenizer;
  // node-llama-cpp types are ESM; keep them loose here.
  let llama: { dispose(): Promise<void> };
  let model: { tokenize(text: string, special?: boolean): number[]; dispose(): Promise<void> };

  before(async () => {
    const file = smolLm2Path();
    ours = await loadTokenizer(file);
    const nl = (await import('node-llama-cpp')) as unknown as {
      getLlama(o: object): Promise<{ loadModel(o: object): Promise<typeof model>; dispose(): Promise<void> }>;
    };
    const l = await nl.getLlama({ gpu: false, build: 'never' });
    llama = l;
    model = await l.loadModel({ modelPath: file });
  });
  after(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  it('gives the same ids as llama.cpp for code and prose', () => {
    for (const text of SAMPLES) {
      assert.deepStrictEqual(ours.encode(text), Array.from(model.tokenize(text)), JSON.stringify(text));
    }
  });

  it('gives the same ids on whole source files of this repository', () => {
    const files = ['server/tokenizer/tokenizer.ts', 'server/cli/main.ts', 'native/src/attention/attention.h', 'package.json'];
    for (const f of files) {
      const text = fs.readFileSync(path.join(__dirname, '..', '..', f), 'utf8');
      // Repository text is tokenized literally, like llama.cpp without special-token parsing (this file names <|im_end|>).
      assert.deepStrictEqual(ours.encode(text, { parseSpecial: false }), Array.from(model.tokenize(text)), f);
      assert.strictEqual(ours.count(text), model.tokenize(text).length, f);
    }
  });

  it('parses chat control tokens like llama.cpp does with special tokens on', () => {
    const text = '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n';
    assert.deepStrictEqual(ours.encode(text), Array.from(model.tokenize(text, true)));
  });

  it('round-trips code and non-ASCII text', () => {
    for (const text of SAMPLES) assert.strictEqual(ours.decode(ours.encode(text)), text);
  });
});
