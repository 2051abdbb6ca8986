/**
 * The CPU runtime's logits for the SmolLM2 check of e2e/run.sh (SMOL_REF): 1,500 tokens of real source (TypeScript's
 * lib .d.ts files, as the attention study reads them), and the logits of the last 8 positions from a dense CPU prefill. The GPU machine has no copy of the
 * model's weights to compute them there, so they are computed here and carried with the GGUF.
 *   node -r ./test/register.js test/gpu/e2e/smolCpuReference.ts MODEL.gguf OUT_DIR [COUNT [ROWS]]
 * (writes tokens.i32 and cpu-logits.f32; ROWS 0 writes the tokens alone, e.g. 8,192 of them for the GPU's
 * UniSparse-vs-dense top-1 agreement at 8K)
 */
import * as fs from 'fs';
import * as path from 'path';
import { realSourceTokens } from '../../attention-study/realActivations';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../../native');

async function main(modelPath: string, outDir: string, count = 1500, rows = 8) {
  const tokens = Int32Array.from(await realSourceTokens(modelPath, count));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'tokens.i32'), Buffer.from(tokens.buffer));
  if (rows === 0) {
    console.log(`${outDir}: ${tokens.length} tokens`);
    return;
  }
  const model = new native.Model(modelPath, { attention: 'dense', maxContext: count + 16 });
  try {
    const logits: Float32Array = model.eval(tokens, { logits: Array.from({ length: rows }, (_, i) => count - rows + i) });
    fs.writeFileSync(path.join(outDir, 'cpu-logits.f32'), Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
    console.log(`${outDir}: ${tokens.length} tokens, logits of the last ${rows} positions (${logits.length / rows} each)`);
  } finally {
    model.dispose();
  }
}

const [modelPath, outDir, count, rows] = process.argv.slice(2);
if (!modelPath || !outDir) {
  console.error('usage: smolCpuReference.ts MODEL.gguf OUT_DIR');
  process.exit(2);
}
main(modelPath, outDir, count ? Number(count) : undefined, rows ? Number(rows) : undefined).catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
