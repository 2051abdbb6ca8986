#!/usr/bin/env node
// The `unisparse` command. It runs the bundled CLI from dist/, and builds that bundle on first use
// when a fresh clone has not been built yet (npm ci runs the build through `prepare`).
'use strict';
const path = require('path');
const fs = require('fs');
const bundle = path.resolve(__dirname, '..', '..', 'dist', 'server', 'cli.js');
if (!fs.existsSync(bundle)) {
  const { spawnSync } = require('child_process');
  process.stderr.write('unisparse: first run, building the JavaScript bundle...\n');
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'bundle.js')], { stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(bundle)) {
    process.stderr.write('unisparse: could not build dist/server/cli.js. Run `npm ci` (or `npm run build`) in the project folder.\n');
    process.exit(1);
  }
}
require(bundle);
