// The one loader for the UniSparse addon. `require('<project root>/native')` returns the addon's exports
// (attention, Model, backend, ...) or throws an Error whose message says how to build it.
'use strict';
const fs = require('fs');
const path = require('path');

/** Places the addon can be, most specific first: an explicit override, a CUDA build, the default build. */
function candidatePaths() {
  const list = [];
  if (process.env.UNISPARSE_ADDON) list.push(path.resolve(process.env.UNISPARSE_ADDON));
  list.push(path.join(__dirname, 'build-cuda', 'Release', 'unisparse.node'));
  list.push(path.join(__dirname, 'build', 'Release', 'unisparse.node'));
  // Packaged extension: the .vsix ships the addon next to the bundles.
  list.push(path.join(__dirname, '..', 'dist', 'native', 'unisparse.node'));
  return list;
}

class NativeAddonMissingError extends Error {
  constructor(tried, cause) {
    super(
      'The UniSparse native addon is not built or could not be loaded.\n' +
      `  Looked for: ${tried.join(', ')}\n` +
      (cause ? `  Load error: ${cause.message.split('\n')[0]}\n` : '') +
      '  Fix: run `npm run build:native` in the project folder (needs cmake and a C++17 compiler;\n' +
      '  nvcc as well for the CUDA kernels), or set UNISPARSE_ADDON to a built unisparse.node.'
    );
    this.name = 'NativeAddonMissingError';
    this.code = 'UNISPARSE_ADDON_MISSING';
  }
}

function load() {
  const tried = candidatePaths();
  let lastError;
  for (const file of tried) {
    if (!fs.existsSync(file)) continue;
    try {
      return require(file);
    } catch (e) {
      lastError = e; // e.g. a CUDA build on a machine without the driver: try the next one
    }
  }
  throw new NativeAddonMissingError(tried, lastError);
}

module.exports = load();
module.exports.NativeAddonMissingError = NativeAddonMissingError;
