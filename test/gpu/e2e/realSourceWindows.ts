/**
 * Token windows of real source for the GPU's UniSparse-vs-dense top-1 agreement (top1_agreement.sh, TOKENS): one
 * window of COUNT tokens per code base, each the concatenation of that code base's files in sorted order, so the
 * agreement is measured over different languages and styles rather than one stream. Sources: TypeScript's lib .d.ts
 * files (the attention study's stream), Flask 3.0.3 (Python) and Express 4.19.2 (JavaScript) as the eval caches
 * them, and libgit2 (C) from the indexing benchmark's corpus; a source that is not on disk is skipped with a note.
 *   node -r ./test/register.js test/gpu/e2e/realSourceWindows.ts MODEL.gguf OUT_DIR [COUNT]
 * (writes OUT_DIR/tokens-<source>.i32)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { realSourceTokens } from '../../attention-study/realActivations';

const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
const SOURCES: { name: string; dir: string; ext: RegExp }[] = [
  { name: 'flask', dir: path.join(cache, 'unisparse/eval/flask-3.0.3/flask-3.0.3/src'), ext: /\.py$/ },
  { name: 'express', dir: path.join(cache, 'unisparse/eval/express-4.19.2/package/lib'), ext: /\.js$/ },
  { name: 'libgit2', dir: path.join(cache, 'unisparse-bench/corpora/c/nodegit/libgit2/src'), ext: /\.c$/ },
];

function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (ext.test(e.name)) out.push(p);
  }
  return out;
}

async function main(modelPath: string, outDir: string, count = 8192) {
  fs.mkdirSync(outDir, { recursive: true });
  const write = (name: string, ids: number[]) => {
    fs.writeFileSync(path.join(outDir, `tokens-${name}.i32`), Buffer.from(Int32Array.from(ids).buffer));
    console.log(`${name}: ${ids.length} tokens`);
  };
  write('typescript-lib', await realSourceTokens(modelPath, count));
  const tokenizer = await loadTokenizer(modelPath);
  for (const s of SOURCES) {
    if (!fs.existsSync(s.dir)) { console.log(`${s.name}: skipped, ${s.dir} is not on disk`); continue; }
    const ids: number[] = [];
    for (const f of filesUnder(s.dir, s.ext)) {
      const text = `// file: ${path.relative(s.dir, f)}\n` + fs.readFileSync(f, 'utf8');
      for (const id of tokenizer.encode(text, { addSpecial: false, parseSpecial: false })) ids.push(id);
      if (ids.length >= count) break;
    }
    if (ids.length < count) { console.log(`${s.name}: skipped, only ${ids.length} tokens`); continue; }
    write(s.name, ids.slice(0, count));
  }
}

const [modelPath, outDir, count] = process.argv.slice(2);
if (!modelPath || !outDir) {
  console.error('usage: realSourceWindows.ts MODEL.gguf OUT_DIR [COUNT]');
  process.exit(2);
}
main(modelPath, outDir, count ? Number(count) : undefined).catch((e) => { console.error(e); process.exit(1); });
