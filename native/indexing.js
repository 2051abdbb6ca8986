// The loader of the index helpers' addon (unisparse_indexing.node: native/src/indexing). A separate addon from the
// one native/index.js loads: the index workers are threads of the language server, where the model runtime and the
// kernels never load. `require('<project root>/native/indexing.js')` returns its exports (termTable, codeSkeleton,
// treeSitter when built with the vendored tree-sitter runtime) or throws an Error that says how to build it; the index
// then uses its JavaScript twins (server/index/nativeIndexing.ts).
'use strict';
const fs = require('fs');
const path = require('path');

/** Places the addon can be, most specific first: an explicit override, a CUDA build's folder, the default build. */
function candidatePaths() {
  const list = [];
  if (process.env.UNISPARSE_INDEXING_ADDON) list.push(path.resolve(process.env.UNISPARSE_INDEXING_ADDON));
  list.push(path.join(__dirname, 'build-cuda', 'Release', 'unisparse_indexing.node'));
  list.push(path.join(__dirname, 'build', 'Release', 'unisparse_indexing.node'));
  // Packaged extension: the .vsix ships the addon next to the bundles.
  list.push(path.join(__dirname, '..', 'dist', 'native', 'unisparse_indexing.node'));
  return list;
}

function load() {
  const tried = candidatePaths();
  let lastError;
  for (const file of tried) {
    if (!fs.existsSync(file)) continue;
    try {
      return require(file);
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(
    'The index helpers addon (unisparse_indexing.node) is not built or could not be loaded.\n' +
    `  Looked for: ${tried.join(', ')}\n` +
    (lastError ? `  Load error: ${lastError.message.split('\n')[0]}\n` : '') +
    '  Fix: run `npm run build:native` in the project folder (needs cmake and a C++17 compiler).');
}

module.exports = load();
