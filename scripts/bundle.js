#!/usr/bin/env node
// Bundles the TypeScript entry points into dist/ with esbuild. One bundle per process:
// the extension host (client), the language server, the engine child process and the CLI.
// Grammar wasm files and the tree-sitter runtime wasm are copied next to the server bundle,
// because a .vsix ships dist/ and not node_modules/.
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
const entryPoints = {
  'extension/main': 'extension/main.ts',
  'server/main': 'server/lsp/main.ts',
  'server/engineProcess': 'server/engine/child/engineProcess.ts',
  'server/indexWorker': 'server/index/indexWorker.ts',
  'server/tokenizerWorker': 'server/tokenizer/tokenizerWorker.ts',
  'server/cli': 'server/cli/main.ts',
};

async function main() {
  let esbuild;
  try { esbuild = require('esbuild'); } catch {
    console.error('unisparse: esbuild is not installed. Run `npm ci` in ' + root + ' first.');
    process.exit(1);
  }
  const present = Object.fromEntries(Object.entries(entryPoints).filter(([, src]) => fs.existsSync(path.join(root, src))));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: present,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: 'dist',
    sourcemap: true,
    external: ['vscode'],
    logLevel: 'warning',
  });
  copyWasmAssets();
  await bundleWebviews(esbuild);
  copyNativeAddon();
}

// Webview scripts (media/*.js): browser bundles that carry marked and DOMPurify, because a
// webview can only load files from the extension folder and the .vsix ships no node_modules.
async function bundleWebviews(esbuild) {
  const webviews = ['answerPanel', 'heatmap'].filter((n) => fs.existsSync(path.join(root, 'media', `${n}.js`)));
  if (!webviews.length) return;
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(webviews.map((n) => [n, `media/${n}.js`])),
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', outdir: 'dist/media', minify: true,
    sourcemap: false, logLevel: 'warning',
  });
}

// The packaged extension loads the addon from dist/native/unisparse.node (native/index.js looks there); copy the
// portable CPU build when it exists (`npm run build:native` first: `vscode:prepublish` runs it in that order).
function copyNativeAddon() {
  const built = path.join(root, 'native', 'build', 'Release', 'unisparse.node');
  if (!fs.existsSync(built)) return;
  fs.mkdirSync(path.join(root, 'dist', 'native'), { recursive: true });
  fs.copyFileSync(built, path.join(root, 'dist', 'native', 'unisparse.node'));
}

function copyWasmAssets() {
  const out = path.join(root, 'dist', 'grammars');
  fs.mkdirSync(out, { recursive: true });
  const copy = (from) => { if (fs.existsSync(from)) fs.copyFileSync(from, path.join(out, path.basename(from))); };
  let wts;
  try { wts = path.dirname(require.resolve('web-tree-sitter', { paths: [root] })); } catch { return; }
  copy(path.join(wts, 'tree-sitter.wasm'));
  let grammars;
  try { grammars = path.join(path.dirname(require.resolve('tree-sitter-wasms/package.json', { paths: [root] })), 'out'); } catch { return; }
  const wanted = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp', 'c_sharp', 'ruby', 'bash'];
  for (const g of wanted) copy(path.join(grammars, `tree-sitter-${g}.wasm`));
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
