// The benchmark's prompt: real source code (TypeScript's own compiler source from node_modules), so the
// token mix is what the product sees. Tokenized once, by llama.cpp, and fed to both runtimes as ids.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..', '..');
const SOURCE_FILES = [
  'node_modules/typescript/lib/typescript.js',
  'node_modules/typescript/lib/lib.dom.d.ts',
];

/** Enough source text for `minTokens` tokens (about 3 characters per token for code, with margin). */
function sourceText(minTokens) {
  const wanted = minTokens * 6 + 4096;
  let text = '';
  for (const rel of SOURCE_FILES) {
    const file = path.join(ROOT, rel);
    if (!fs.existsSync(file)) continue;
    text += fs.readFileSync(file, 'utf8').slice(0, wanted - text.length);
    if (text.length >= wanted) break;
  }
  if (text.length < wanted) {
    throw new Error(`bench:cpu needs source text for the prompt: run \`npm ci\` so ${SOURCE_FILES[0]} exists`);
  }
  return text;
}

/** The first `n` token ids of the source text as llama.cpp tokenizes it with this model's vocabulary. */
function promptTokens(llamaModel, n) {
  const ids = Array.from(llamaModel.tokenize(sourceText(n)));
  if (ids.length < n) throw new Error(`the prompt text gave only ${ids.length} tokens, ${n} wanted`);
  return ids.slice(0, n);
}

module.exports = { promptTokens };
