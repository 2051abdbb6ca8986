#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() launches (vscodeExecutablePath):
// VS Code desktop cannot be downloaded here, so this script takes runTests' arguments, starts code-server (the
// same VS Code, 1.100.3, with the real Node extension host), opens the workbench in headless Chromium with the
// extension-development payload (code-server does not accept those as CLI flags), relays the test runner's
// output (it arrives through window.codeAutomationLog) and exits with the code of window.codeAutomationExit.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const { startCodeServer, launchBrowser, writeUserSettings, makeTmp } = require('./codeServer');

const TIMEOUT_MS = Number(process.env.UNISPARSE_HOST_TIMEOUT_MS || 300000);
const VERBOSE = !!process.env.UNISPARSE_HOST_VERBOSE;

function parseArgs(argv) {
  const o = { dev: [], tests: undefined, userDataDir: undefined, extensionsDir: undefined, folders: [] };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) { o.folders.push(path.resolve(argv[i])); continue; }
    const value = () => (m[2] !== undefined ? m[2] : argv[++i]);
    switch (m[1]) {
      case 'extensionDevelopmentPath': o.dev.push(path.resolve(value())); break;
      case 'extensionTestsPath': o.tests = path.resolve(value()); break;
      case 'user-data-dir': o.userDataDir = path.resolve(value()); break;
      case 'extensions-dir': o.extensionsDir = path.resolve(value()); break;
      default: break; // flags meant for Electron (--no-sandbox, --disable-gpu-sandbox, ...) do not apply here
    }
  }
  return o;
}

// Workbench noise that is expected on a machine without internet (marketplace, service worker, chat).
const NOISE = /getaddrinfo ENOTFOUND|Resolv|Creating a socket|Service Worker|ChatSessionStore|Updating additional builtin|marketplace|Failed to fetch/;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!o.tests || !o.dev.length) {
    console.error('codeServerStandIn: pass --extensionDevelopmentPath=DIR and --extensionTestsPath=FILE (runTests does).');
    process.exit(2);
  }
  const tmp = makeTmp('unisparse-host-');
  const userDataDir = o.userDataDir || path.join(tmp, 'user-data');
  const extensionsDir = o.extensionsDir || path.join(tmp, 'extensions');
  writeUserSettings(userDataDir, JSON.parse(process.env.UNISPARSE_HOST_SETTINGS || '{}'));
  let server;
  let browser;
  const cleanup = async () => {
    try { if (browser) await browser.close(); } catch { /* closing anyway */ }
    server?.stop();
  };
  process.on('SIGINT', async () => { await cleanup(); process.exit(130); });
  try {
    server = await startCodeServer({ userDataDir, extensionsDir, tmp });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let sawOutput = false;
    const exit = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationLog', (level, args) => {
        const line = Array.isArray(args) ? util.format(...args) : String(args);
        if (!VERBOSE && !sawOutput && NOISE.test(line)) return;
        sawOutput = true;
        (level === 'error' ? console.error : console.log)(line);
        const done = /UNISPARSE_HOST_TESTS_DONE failures=(\d+)/.exec(line);
        // Give the host 5 s to report its own exit code, then use the suite's count.
        if (done) setTimeout(() => resolve(Number(done[1]) ? 1 : 0), 5000).unref();
      });
      void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    if (VERBOSE) page.on('console', (m) => console.log('[browser]', m.text()));
    const payload = o.dev.map((d) => ['extensionDevelopmentPath', server.remoteUri(d)]);
    payload.push(['extensionTestsPath', server.remoteUri(o.tests)]);
    await page.goto(server.url(o.folders[0], payload));
    const code = await Promise.race([exit, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT_MS))]);
    if (code === 'timeout') console.error(`[host] the tests did not finish within ${TIMEOUT_MS / 1000} s; code-server log: ${server.logPath}`);
    await cleanup();
    if (code === 0 && !process.env.UNISPARSE_HOST_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(typeof code === 'number' ? code : 1);
  } catch (e) {
    console.error(`[host] ${e && e.message ? e.message : e}${server ? `\ncode-server log: ${server.logPath}` : ''}`);
    await cleanup();
    process.exit(2);
  }
}

main();
