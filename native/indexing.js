// The loader of the index helpers' addon (unisparse_indexing.node: native/src/indexing). A separate addon from the
// one native/index.js loads: the index workers are threads of the language server, where the model runtime and the
// kernels never load. `require('<project root>/native/indexing.js')` returns its exports (termTable, codeSkeleton,
// treeSitter when built with the vendored tree-sitter runtime) or throws an Error that says how to build it; the index
// then uses its JavaScript twins (server/index/nativeIndexing.ts).
'use strict';
const { candidatePaths, loadFirst } = require('./addonFiles');

function load() {
  const tried = candidatePaths('unisparse_indexing.node', 'UNISPARSE_INDEXING_ADDON');
  const { exports, lastError } = loadFirst(tried);
  if (exports) return exports;
  throw new Error(
    'The index helpers addon (unisparse_indexing.node) is not built or could not be loaded.\n' +
    `  Looked for: ${tried.join(', ')}\n` +
    (lastError ? `  Load error: ${lastError.message.split('\n')[0]}\n` : '') +
    '  Fix: run `npm run build:native` in the project folder (needs cmake and a C++17 compiler).');
}

module.exports = load();
