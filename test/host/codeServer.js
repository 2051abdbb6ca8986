// Starts code-server (the VS Code 1.100.3 server with the real Node extension host) on 127.0.0.1 and opens its
// workbench in headless Debian Chromium through playwright-core. Shared by the runTests stand-in
// (codeServerStandIn.js) and the UI test (uiTest.js). code-server comes from test/host/setup-code-server.sh.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');

const ROOT = path.resolve(__dirname, '..', '..');
const CODE_SERVER = process.env.CODE_SERVER_BIN || path.join(ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

function checkInstalled() {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  if (missing.length) {
    throw new Error(`The VS Code test host is not installed: missing ${missing.join(' and ')}.\n` +
      '  Fix: run `bash test/host/setup-code-server.sh` (as root, or after `apt-get install chromium libkrb5-dev pkg-config ripgrep`).');
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** Writes user settings that keep the workbench quiet and deterministic (no welcome page, no update checks). */
function writeUserSettings(userDataDir, extra = {}) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const file = path.join(userDataDir, 'User', 'settings.json');
  const base = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false, 'update.mode': 'none', 'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false, 'workbench.tips.enabled': false,
    ...base, ...extra,
  }, null, 2));
}

/** Runs `code-server --install-extension vsix` into extensionsDir; resolves with its output. */
function installExtension(vsix, extensionsDir, userDataDir) {
  checkInstalled();
  return new Promise((resolve, reject) => {
    const p = spawn(CODE_SERVER, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: path.join(userDataDir, 'xdg-config') } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`code-server --install-extension ${vsix} failed (${code}):\n${out}`))));
  });
}

/**
 * Starts code-server and resolves once it listens. Returns { port, url(folder, payload), logPath, stop() }.
 */
async function startCodeServer({ userDataDir, extensionsDir, tmp }) {
  checkInstalled();
  const cfg = path.join(tmp, 'config.yaml');
  fs.writeFileSync(cfg, 'auth: none\ncert: false\n');
  const port = await freePort();
  const cs = spawn(CODE_SERVER, [
    '--config', cfg, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
  ], {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_DATA_HOME: path.join(tmp, 'xdg-data') },
  });
  const logPath = path.join(tmp, 'code-server.log');
  const log = fs.createWriteStream(logPath);
  cs.stdout.pipe(log);
  cs.stderr.pipe(log);
  await new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => { buf += d; if (/HTTP server listening/.test(buf)) resolve(); };
    cs.stdout.on('data', onData);
    cs.stderr.on('data', onData);
    cs.on('exit', (c) => reject(new Error(`code-server exited before listening (exit ${c}):\n${buf}`)));
    setTimeout(() => reject(new Error(`code-server did not start listening within 60 s; log: ${logPath}`)), 60000).unref();
  });
  const authority = `127.0.0.1:${port}`;
  return {
    port,
    logPath,
    /** The workbench URL for a folder, with an optional extension-development payload. */
    url(folder, payload) {
      let q = folder ? `folder=${encodeURIComponent(folder)}` : 'ew=true';
      if (payload) q += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return `http://${authority}/?${q}`;
    },
    remoteUri(p) { return `vscode-remote://${authority}${p}`; },
    stop() { try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* already gone */ } },
  };
}

async function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

function makeTmp(prefix) { return fs.mkdtempSync(path.join(os.tmpdir(), prefix)); }

module.exports = { ROOT, CODE_SERVER, checkInstalled, startCodeServer, launchBrowser, installExtension, writeUserSettings, makeTmp };
