// The one loader for the UniSparse addon. `require('<project root>/native')` returns the addon's exports
// (attention, Model, backend, ...) or throws an Error whose message says how to build it.
'use strict';
const { candidatePaths, loadFirst } = require('./addonFiles');

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
  const tried = candidatePaths('unisparse.node', 'UNISPARSE_ADDON');
  const { exports, lastError } = loadFirst(tried);
  if (exports) return exports;
  throw new NativeAddonMissingError(tried, lastError);
}

module.exports = load();
module.exports.NativeAddonMissingError = NativeAddonMissingError;
