#!/usr/bin/env node
// Regenerates package.json's "contributes" from extension/manifest/contributes.ts (the one source).
// Only that field changes; the rest of package.json is written back as it was parsed.
'use strict';
require('./registerTypeScript.js');
const fs = require('fs');
const path = require('path');
const { manifestContributes } = require('../extension/manifest/contributes.ts');
const file = path.resolve(__dirname, '../package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.contributes = manifestContributes();
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log('package.json contributes: ' + Object.keys(pkg.contributes).join(', '));
