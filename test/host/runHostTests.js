#!/usr/bin/env node
// `npm run test:host`: runs test/host/suite inside a real VS Code extension host through @vscode/test-electron's
// runTests(), with code-server standing in for the VS Code executable (codeServerStandIn.js), then packages the
// .vsix, installs it into code-server and checks the workbench UI with it (uiTest.js).
// Needs `npm run build` first (npm test does it) and code-server (installed on demand by setup-code-server.sh).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runTests } = require('@vscode/test-electron');
const { ROOT, CODE_SERVER } = require('./codeServer');

function ensureBuilt() {
  for (const f of ['dist/extension/main.js', 'dist/server/main.js', 'dist/media/answerPanel.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) {
      throw new Error(`${f} is missing: run \`npm run build\` before the host tests (npm test does it for you).`);
    }
  }
}

function ensureCodeServer() {
  if (fs.existsSync(CODE_SERVER) && fs.existsSync(process.env.CHROMIUM_BIN || '/usr/bin/chromium')) return;
  console.log('== host: installing the VS Code test host (code-server 4.100.3 + Chromium)');
  const r = spawnSync('bash', [path.join(__dirname, 'setup-code-server.sh')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error('test/host/setup-code-server.sh failed (see above).');
}

/** A throwaway copy of the fixture repository, so tests never write into the source tree. */
function fixtureWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-ws-'));
  fs.cpSync(path.join(__dirname, 'fixture-repo'), ws, { recursive: true });
  fs.mkdirSync(path.join(ws, '.vscode'));
  // Small budgets keep an answer from the 135M model on the CPU to a few seconds.
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({
    'unisparse.maxNewTokens': 24, 'unisparse.contextBudgetTokens': 512,
  }, null, 2));
  return ws;
}

async function main() {
  ensureBuilt();
  ensureCodeServer();
  const workspace = fixtureWorkspace();
  const started = Date.now();
  await runTests({
    vscodeExecutablePath: path.join(__dirname, 'codeServerStandIn.js'),
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions'],
  });
  console.log(`== host: extension-host suite passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  fs.rmSync(workspace, { recursive: true, force: true });
  if (process.argv.includes('--suite-only')) return;
  const ui = spawnSync(process.execPath, [path.join(__dirname, 'uiTest.js')], { stdio: 'inherit', cwd: ROOT });
  if (ui.status !== 0) throw new Error('The packaged-extension UI test failed (see above).');
}

main().catch((e) => {
  console.error(`host tests: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
