// Lets Node load TypeScript sources directly: each .ts file is transpiled by esbuild on require. Used by the test
// runners (through test/register.js), and by the engine and index workers when they run from source.
// Type checking is a separate step (`npm run typecheck`), as in the build.
'use strict';
const fs = require('fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = esbuild.transformSync(source, {
    loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcefile: filename,
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
