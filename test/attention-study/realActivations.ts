// Real attention inputs: post-RoPE Q/K/V captured from SmolLM2-135M running on our CPU runtime (the model's
// `captureLayers` + `captured(layer)`) over a long real source text (TypeScript's own lib .d.ts files from
// node_modules, concatenated in a fixed order so runs are reproducible).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { HeadMajor } from './studyMetrics';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

export const defaultModelPath = path.join(os.homedir(), '.cache', 'unisparse', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');

/** The first `count` tokens of the concatenated TypeScript lib declaration files. */
export async function realSourceTokens(modelPath: string, count: number): Promise<number[]> {
  const tokenizer = await loadTokenizer(modelPath);
  const libDir = path.join(__dirname, '..', '..', 'node_modules', 'typescript', 'lib');
  const files = fs.readdirSync(libDir).filter((f) => /^lib\..*\.d\.ts$/.test(f)).sort();
  const ids: number[] = [];
  for (const f of files) {
    const text = `// file: ${f}\n` + fs.readFileSync(path.join(libDir, f), 'utf8');
    for (const id of tokenizer.encode(text, { addSpecial: false, parseSpecial: false })) ids.push(id);
    if (ids.length >= count) break;
  }
  if (ids.length < count) throw new Error(`only ${ids.length} tokens of source text in ${libDir}; need ${count}`);
  return ids.slice(0, count);
}

/** Runs a dense prefill of `tokens` and returns the captured Q/K/V of each listed layer. */
export function captureLayers(modelPath: string, tokens: number[], layers: number[]): Map<number, HeadMajor> {
  const model = new native.Model(modelPath, { attention: 'dense', captureLayers: layers, maxContext: tokens.length + 16 });
  try {
    model.eval(Int32Array.from(tokens), { logits: 'none' });
    const out = new Map<number, HeadMajor>();
    for (const layer of layers) {
      const c = model.captured(layer);
      out.set(layer, { q: c.q, k: c.k, v: c.v, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, seq: c.seq });
    }
    return out;
  } finally {
    model.dispose();
  }
}
