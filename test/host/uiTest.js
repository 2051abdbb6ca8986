#!/usr/bin/env node
// The packaged extension in the real workbench: builds the .vsix (`npm run package`), installs it into code-server
// with --install-extension, opens the fixture repository in headless Chromium and checks, through the DOM, that
// the installed extension activated: its language server's "Explain" code lens appears on a file, and the
// "UniSparse: Show Status" command from the palette reports the server and native backend. Then it asks a
// question through the palette when the model is present, and saves test-results/workbench.png.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, startCodeServer, launchBrowser, installExtension, writeUserSettings, makeTmp } = require('./codeServer');

const pkg = require(path.join(ROOT, 'package.json'));
const VSIX = path.join(ROOT, 'dist', `${pkg.name}.vsix`);
const SHOT = path.join(ROOT, 'test-results', 'workbench.png');
const MODEL = path.join(os.homedir(), '.cache', 'unisparse', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');

function step(msg) { console.log(`  [ui] ${msg}`); }

function packageVsix() {
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(VSIX)) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  step(`packaged ${path.relative(ROOT, VSIX)} (${(fs.statSync(VSIX).size / 1e6).toFixed(2)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function runPaletteCommand(page, title) {
  await page.keyboard.press('F1');
  const input = await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await input.fill(`>${title}`);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`, { timeout: 15000 });
  await page.keyboard.press('Enter');
}

async function screenshot(page, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  step(`screenshot: ${path.relative(ROOT, file)}`);
}

/** The (nested) webview frame whose document has `selector`; webviews live in iframes inside iframes. */
async function frameWith(page, selector, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const f of page.frames()) {
      if (await f.$(selector).catch(() => null)) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame shows ${selector}`);
}

/**
 * Model output is untrusted: feed the answer webview a hostile answer through its own message channel and check
 * that marked + DOMPurify keep the markdown and drop what could run, and that the page has no inline script.
 */
async function checkAnswerSanitising(frame) {
  const hostile = 'Plain **bold** and `inventory.js:20`.\n\n<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>' +
    '<a href="javascript:window.__pwned=3">x</a><iframe src="https://example.invalid"></iframe>';
  const found = await frame.evaluate(async (answer) => {
    window.postMessage({ type: 'done', result: { answer, citations: [], selection: { blockSize: 64, density: 1, blocks: [] }, stats: { contextTokens: 1, density: 1, ttftMs: 1, decodeTokensPerS: 1 } } }, '*');
    await new Promise((r) => setTimeout(r, 300));
    const a = document.querySelector('.answer');
    const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
    return {
      bold: !!a.querySelector('strong'),
      citation: !!a.querySelector('a.citation[data-file="inventory.js"]'),
      onerror: !!a.querySelector('[onerror]'),
      script: !!a.querySelector('script') || !!a.querySelector('iframe'),
      jsLink: !!a.querySelector('a[href^="javascript"]'),
      pwned: window.__pwned,
      // VS Code itself injects one inline script (#_vscodeApiScript: acquireVsCodeApi); ours must all load by src.
      inlineScripts: document.querySelectorAll('script:not([src]):not(#_vscodeApiScript)').length,
      csp: csp ? csp.getAttribute('content') : '',
    };
  }, hostile);
  const problems = [];
  if (!found.bold || !found.citation) problems.push('markdown or citation links were not rendered');
  if (found.onerror || found.script || found.jsLink || found.pwned !== undefined) problems.push(`unsafe content survived: ${JSON.stringify(found)}`);
  if (found.inlineScripts !== 0) problems.push(`${found.inlineScripts} inline script(s) in the webview`);
  if (!/script-src 'nonce-[^']+'/.test(found.csp) || /unsafe-inline|unsafe-eval/.test(found.csp)) problems.push(`weak CSP: ${found.csp}`);
  if (problems.length) throw new Error(`answer webview: ${problems.join('; ')}`);
  step('answer webview: hostile markdown sanitised (no handlers, scripts, iframes or javascript: links); nonce CSP, no inline script');
}

/**
 * The installed extension's native tree-sitter parser (dist/node_modules, server/index/nativeGrammars.ts) loads and
 * parses on this platform, from the extension folder alone. Where no binary was packaged (not linux-x64), the index
 * parses with the wasm grammars and this says so.
 */
function checkNativeParser(extensionDir) {
  const modules = path.join(extensionDir, 'dist', 'node_modules');
  if (`${process.platform}-${process.arch}` !== 'linux-x64') { step(`native parser not checked on ${process.platform}-${process.arch} (wasm fallback)`); return; }
  const script = `const P = require(${JSON.stringify(path.join(modules, 'tree-sitter'))});
    const langs = { c: require(${JSON.stringify(path.join(modules, 'tree-sitter-c'))}), ts: require(${JSON.stringify(path.join(modules, 'tree-sitter-typescript'))}).typescript };
    const p = new P(); p.setLanguage(langs.c); const c = p.parse('int main(void) { return 0; }').rootNode.toString();
    p.setLanguage(langs.ts); const t = p.parse('export function f(x: number): number { return x; }').rootNode.toString();
    console.log(c.includes('function_definition') && t.includes('function_declaration') ? 'ok' : c + ' ' + t);`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8' }).trim();
  if (out !== 'ok') throw new Error(`the packaged native parser parsed wrongly: ${out}`);
  step('the packaged native tree-sitter parser loads and parses C and TypeScript from the extension folder');
}

async function main() {
  packageVsix();
  const tmp = makeTmp('unisparse-ui-');
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  writeUserSettings(userDataDir, { 'unisparse.maxNewTokens': 48, 'unisparse.contextBudgetTokens': 1024 });
  await installExtension(VSIX, extensionsDir, userDataDir);
  const installed = fs.readdirSync(extensionsDir).find((d) => d.startsWith(`${pkg.publisher}.${pkg.name}-`));
  if (!installed) throw new Error(`--install-extension did not create ${pkg.publisher}.${pkg.name}-* in ${extensionsDir}`);
  for (const f of ['dist/extension/main.js', 'dist/server/main.js', 'dist/native/unisparse.node', 'dist/native/unisparse_indexing.node', 'native/indexing.js', 'native/addonFiles.js', 'dist/grammars/tree-sitter-javascript.wasm']) {
    if (!fs.existsSync(path.join(extensionsDir, installed, f))) throw new Error(`the installed extension lacks ${f}`);
  }
  for (const f of ['extension', 'server', 'test', 'native/src', 'native/binding', 'node_modules', 'tsconfig.json', 'dist/extension/main.js.map']) {
    if (fs.existsSync(path.join(extensionsDir, installed, f))) throw new Error(`the .vsix ships ${f}; .vscodeignore should leave it out`);
  }
  step(`installed ${installed} into code-server (bundles, grammars and addon in; sources, tests, node_modules out)`);
  checkNativeParser(path.join(extensionsDir, installed));

  const ws = path.join(tmp, 'repo');
  fs.cpSync(path.join(__dirname, 'fixture-repo'), ws, { recursive: true });
  const server = await startCodeServer({ userDataDir, extensionsDir, tmp });
  const browser = await launchBrowser();
  let ok = false;
  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  try {
    const t0 = Date.now();
    await page.goto(server.url(ws));
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
    await page.click('.explorer-folders-view .monaco-list-row:has-text("inventory.js")');
    await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30000 });
    const lens = await page.waitForSelector('.monaco-editor .codelens-decoration a:has-text("Explain")', { timeout: 90000 });
    step(`code lens from the installed extension's server: "${(await lens.innerText()).trim()}" (${((Date.now() - t0) / 1000).toFixed(1)} s after load)`);

    await runPaletteCommand(page, 'UniSparse: Show Status');
    const toast = await page.waitForSelector('.notifications-toasts .notification-list-item-message:has-text("UniSparse: server")', { timeout: 30000 });
    const status = (await toast.innerText()).trim();
    step(`status notification: ${status}`);
    if (!/native (cpu|cuda)/.test(status)) throw new Error(`the packaged extension did not load its native addon: ${status}`);

    // The UniSparse activity-bar container with the answers view.
    await page.click('.activitybar .action-item a[aria-label="UniSparse"]').catch(() => step('activity-bar icon not found; continuing'));

    if (fs.existsSync(MODEL)) {
      await runPaletteCommand(page, 'UniSparse: Ask About the Repository');
      const box = await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
      await box.fill('What does restock do?');
      await page.keyboard.press('Enter');
      const answered = await page.waitForSelector('.monaco-workbench .tab[aria-label*="UniSparse Answer"]', { timeout: 30000 });
      if (!answered) throw new Error('the answer panel did not open');
      // Answered when the answers view lists the question.
      await page.waitForSelector('.pane-body .monaco-list-row:has-text("What does restock do?")', { timeout: 240000 });
      step('answered a question through the palette; the answers view lists it');
      // A citation in the answer webview opens its lines in the editor (the status bar then shows a selection).
      const answerFrame = await frameWith(page, 'a.citation');
      const cite = await answerFrame.$('a.citation');
      const label = (await cite.innerText()).trim();
      await cite.click();
      await page.waitForSelector('.statusbar-item:has-text("selected")', { timeout: 15000 });
      step(`clicked citation ${label}: the editor selected the cited lines`);
      await page.waitForTimeout(1000);
      await screenshot(page, SHOT);
      // The heatmap of the kept blocks.
      await runPaletteCommand(page, 'UniSparse: Show Selected Blocks');
      const heatFrame = await frameWith(page, 'canvas.mask');
      const legend = await heatFrame.waitForSelector('.legend:has-text("kept")', { timeout: 15000 });
      step(`heatmap: ${(await legend.innerText()).trim()}`);
      await page.waitForTimeout(500);
      await screenshot(page, path.join(path.dirname(SHOT), 'heatmap.png'));
      await checkAnswerSanitising(answerFrame);
    } else {
      step(`model not downloaded (${MODEL}); skipping the question (npm test downloads it first)`);
    }
    if (!fs.existsSync(MODEL)) { await page.waitForTimeout(1500); await screenshot(page, SHOT); }
    ok = true;
  } catch (e) {
    fs.mkdirSync(path.dirname(SHOT), { recursive: true });
    await page.screenshot({ path: path.join(path.dirname(SHOT), 'workbench-failure.png') }).catch(() => undefined);
    console.error(`  [ui] FAILED: ${e.message}\n  code-server log: ${server.logPath}; screenshot test-results/workbench-failure.png`);
  } finally {
    await browser.close().catch(() => undefined);
    server.stop();
  }
  if (ok) fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(`  [ui] ${e.message}`); process.exit(1); });
