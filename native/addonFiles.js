// Where a built addon of this package can be, and loading the first one that loads: shared by the two loaders
// (native/index.js for the model runtime's unisparse.node, native/indexing.js for the index helpers'
// unisparse_indexing.node), which differ only in the file name, the override variable and the error they throw.
'use strict';
const fs = require('fs');
const path = require('path');

/** Places `fileName` can be, most specific first: the override in `overrideEnv`, a CUDA build, the default build. */
function candidatePaths(fileName, overrideEnv) {
  const list = [];
  if (process.env[overrideEnv]) list.push(path.resolve(process.env[overrideEnv]));
  list.push(path.join(__dirname, 'build-cuda', 'Release', fileName));
  list.push(path.join(__dirname, 'build', 'Release', fileName));
  // Packaged extension: the .vsix ships the addons next to the bundles.
  list.push(path.join(__dirname, '..', 'dist', 'native', fileName));
  return list;
}

/** The exports of the first candidate that loads, or the candidates tried and the last load error. */
function loadFirst(tried) {
  let lastError;
  for (const file of tried) {
    if (!fs.existsSync(file)) continue;
    try {
      return { exports: require(file) };
    } catch (e) {
      lastError = e; // e.g. a CUDA build on a machine without the driver: try the next one
    }
  }
  return { lastError };
}

module.exports = { candidatePaths, loadFirst };
