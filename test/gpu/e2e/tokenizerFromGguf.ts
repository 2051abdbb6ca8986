/**
 * Gives a random-weight model folder a real tokenizer, so `unisparse ask` can run through it on the GPU machine
 * (its answers are meaningless; the stats are what count): writes tokenizer.json and tokenizer_config.json (with
 * the chat template) made from a GGUF's vocabulary.
 *   node -r ./test/register.js test/gpu/e2e/tokenizerFromGguf.ts MODEL.gguf OUT_DIR
 */
import * as fs from 'fs';
import * as path from 'path';
import { readGgufMetadata } from '../../../server/tokenizer/ggufMetadata';
import { tokenizerSpecFromGguf } from '../../../server/tokenizer/ggufTokenizerJson';

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: tokenizerFromGguf.ts MODEL.gguf OUT_DIR');
const spec = tokenizerSpecFromGguf(file, readGgufMetadata(file).metadata);
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(spec.tokenizerJson));
fs.writeFileSync(path.join(out, 'tokenizer_config.json'),
  JSON.stringify({ ...spec.tokenizerConfig, chat_template: spec.chatTemplate, add_bos_token: spec.addBos }));
console.log(`${out}: tokenizer.json (${Object.keys((spec.tokenizerJson.model as { vocab: object }).vocab).length} tokens), tokenizer_config.json`);
