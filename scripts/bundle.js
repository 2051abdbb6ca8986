#!/usr/bin/env node
// Bundles the TypeScript entry points into dist/ with esbuild. One bundle per process:
// the extension host (client), the language server, the engine child process and the CLI.
// Grammar wasm files and the tree-sitter runtime wasm are copied next to the server bundle,
// because a .vsix ships dist/ and not node_modules/; so are the native tree-sitter packages, which stay outside
// the bundles (they load their N-API prebuilds by path).
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
/** The native parser's packages (server/index/nativeGrammars.ts); node-gyp-build finds their prebuilds. */
const NATIVE_PARSER_PACKAGES = ['tree-sitter', 'tree-sitter-c', 'tree-sitter-cpp', 'tree-sitter-javascript', 'tree-sitter-typescript'];

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
    external: ['vscode', ...NATIVE_PARSER_PACKAGES],
    logLevel: 'warning',
  });
  copyWasmAssets();
  copyNativeParsers();
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

// The packaged extension loads the addons from dist/native/ (native/index.js and native/indexing.js look there): the
// model's unisparse.node and the index helpers' unisparse_indexing.node. Copies the portable CPU builds when they exist
// (`npm run build:native` first: `vscode:prepublish` runs it in that order).
function copyNativeAddon() {
  for (const name of ['unisparse.node', 'unisparse_indexing.node']) {
    const built = path.join(root, 'native', 'build', 'Release', name);
    if (!fs.existsSync(built)) continue;
    fs.mkdirSync(path.join(root, 'dist', 'native'), { recursive: true });
    fs.copyFileSync(built, path.join(root, 'dist', 'native', name));
  }
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
  // The natively parsed grammars' packages ship a wasm build of the same grammar version: it replaces
  // tree-sitter-wasms' older one, so that the wasm fallback parses like the native parser (grammarLoader.ts).
  for (const pkg of NATIVE_PARSER_PACKAGES.slice(1)) {
    const dir = packageDir(pkg);
    if (dir) for (const f of fs.readdirSync(dir)) if (/^tree-sitter-.*\.wasm$/.test(f)) copy(path.join(dir, f));
  }
}

function packageDir(name) {
  try { return path.dirname(require.resolve(`${name}/package.json`, { paths: [root] })); } catch { return undefined; }
}

/**
 * The native parser's packages, trimmed to what they load at runtime on this platform (their JavaScript, the binary
 * that `npm ci` built or the prebuild for this platform and architecture, the grammars' node types), into
 * dist/node_modules, where the server bundles' `require('tree-sitter')` finds them. Other platforms get no binary and
 * parse with the wasm grammars.
 */
function copyNativeParsers() {
  const out = path.join(root, 'dist', 'node_modules');
  fs.rmSync(out, { recursive: true, force: true });
  const platform = `${process.platform}-${process.arch}`;
  for (const pkg of ['node-gyp-build', ...NATIVE_PARSER_PACKAGES]) {
    const dir = packageDir(pkg);
    if (!dir) return;   // not installed: the wasm grammars serve every language
    // A runtime that `npm ci` built (the prebuild may need a newer C++ library than this machine has) replaces the prebuild.
    const built = fs.existsSync(path.join(dir, 'build', 'Release'));
    const keep = (rel) => ['package.json', 'index.js', 'node-gyp-build.js'].includes(rel) || /^bindings\/node\/\w+\.js$/.test(rel) ||
      (!built && rel.startsWith(`prebuilds/${platform}/`)) || /^build\/Release\/[^/]+\.node$/.test(rel) || /(^|\/)src\/node-types\.json$/.test(rel);
    const copyTree = (rel) => {
      for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) { if (!['node_modules', 'vendor', 'test', 'queries', 'obj.target'].includes(e.name)) copyTree(r); continue; }
        if (!keep(r) || r.endsWith('_test.js')) continue;
        fs.mkdirSync(path.join(out, pkg, path.dirname(r)), { recursive: true });
        fs.copyFileSync(path.join(dir, r), path.join(out, pkg, r));
      }
    };
    copyTree('');
  }
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
