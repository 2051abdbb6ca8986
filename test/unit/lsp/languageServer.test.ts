// The language server (dist/server/main.js) driven over IPC by a real LSP client connection, without VS Code:
// initialize, unisparse/status, code lenses from the index on a fixture repository, file-watcher updates,
// and the clear errors of requests that cannot be served. Needs `npm run build:js` (npm test builds first).
import * as assert from 'assert';
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { IPCMessageReader, IPCMessageWriter, createProtocolConnection, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import {
  CodeLensRequest, CodeLensResolveRequest, CodeLens, DidChangeWatchedFilesNotification, FileChangeType,
  InitializeRequest, InitializedNotification, ShutdownRequest, ExitNotification, WorkDoneProgressCreateRequest,
  CodeLensRefreshRequest,
} from 'vscode-languageserver-protocol';
import { AskRequest, ExplainRequest, StatusRequest, StatusResult } from '../../../server/protocol/protocol';

const root = path.resolve(__dirname, '..', '..', '..');
const serverMain = path.join(root, 'dist', 'server', 'main.js');
const fixture = path.join(root, 'test', 'host', 'fixture-repo');

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('language server over IPC', function () {
  this.timeout(60000);
  let child: ChildProcess;
  let conn: ProtocolConnection;
  let ws: string;
  let refreshes = 0;

  before(async function () {
    assert.ok(fs.existsSync(serverMain), `${serverMain} is missing: run \`npm run build:js\` first`);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-lsp-'));
    fs.cpSync(fixture, ws, { recursive: true });
    child = fork(serverMain, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, UNISPARSE_CACHE_DIR: path.join(ws, '.cache') } });
    conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    conn.onRequest(CodeLensRefreshRequest.type, () => { refreshes++; });
    conn.onNotification('unisparse/engineLog', () => undefined);
    conn.onNotification('window/logMessage', () => undefined);
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: pathToFileURL(ws).toString(), capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
      initializationOptions: { settings: { maxNewTokens: 8, exclude: ['**/node_modules/**'] } },
    });
    assert.deepStrictEqual(init.capabilities.codeLensProvider, { resolveProvider: true });
    await conn.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    try { await conn.sendRequest(ShutdownRequest.type); await conn.sendNotification(ExitNotification.type); } catch { /* gone */ }
    conn?.dispose();
    child?.kill();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('answers unisparse/status with versions, the native backend and the index state', async function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const s: StatusResult = await conn.sendRequest(StatusRequest.method);
    assert.strictEqual(s.serverVersion, pkg.version);
    assert.strictEqual(s.nodeVersion, process.version);
    assert.ok(['cpu', 'cuda', 'missing'].includes(s.nativeBackend));
    if (s.nativeBackend === 'missing') assert.match(s.nativeError ?? '', /npm run build:native/);
    const ready = await until(async () => {
      const r: StatusResult = await conn.sendRequest(StatusRequest.method);
      return r.index.state === 'ready' ? r : undefined;
    }, 'the index to be ready');
    assert.strictEqual(ready.index.files, 2);
    assert.ok(ready.index.symbols >= 6, `symbols: ${ready.index.symbols}`);
  });

  it('offers cheap code lenses on definitions and resolves their titles lazily', async function () {
    const uri = pathToFileURL(path.join(ws, 'inventory.js')).toString();
    const lenses = (await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    assert.ok(lenses.length >= 4, JSON.stringify(lenses));
    assert.ok(lenses.every((l) => !l.command), 'titles must only be computed in resolve');
    const restock = lenses.find((l) => (l.data as { name: string }).name === 'restock');
    assert.ok(restock);
    assert.strictEqual(restock.range.start.line, 19);
    const resolved = await conn.sendRequest(CodeLensResolveRequest.type, restock);
    assert.strictEqual(resolved.command?.command, 'unisparse.explainSymbol');
    assert.match(resolved.command!.title, /Explain function restock \(4 lines\)/);
    assert.deepStrictEqual(resolved.command!.arguments, [uri, { line: 19, character: 0 }, 'restock']);
  });

  it('updates the index from file-watcher events and asks the client to refresh lenses', async function () {
    const file = path.join(ws, 'pricing.py');
    fs.writeFileSync(file, 'def price_with_tax(price, rate):\n    return price * (1 + rate)\n');
    const before = refreshes;
    await conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(file).toString(), type: FileChangeType.Created }] });
    const lenses = await until(async () => {
      const l = (await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: pathToFileURL(file).toString() } })) as CodeLens[];
      return l.length ? l : undefined;
    }, 'lenses on the new file');
    assert.strictEqual((lenses[0].data as { name: string }).name, 'price_with_tax');
    assert.ok(refreshes > before, 'no workspace/codeLens/refresh after the update');
  });

  it('reports the device choice from the engine process and never loads the addon itself', async function () {
    const s: StatusResult = await conn.sendRequest(StatusRequest.method);
    assert.ok(s.device, 'no device in the status');
    assert.strictEqual(s.device.setting, 'auto');
    if (s.nativeBackend === 'cpu') {
      assert.strictEqual(s.device.chosen, 'cpu');
      assert.match(s.device.why, /^auto: the CPU, because the native addon was built without CUDA/);
    }
    if (process.platform !== 'linux') return;
    // The addon is mapped into the process that loaded it: the engine child, never the language server.
    const mapped = (pid: number) => fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('unisparse.node');
    assert.strictEqual(mapped(child.pid!), false, 'the language server process loaded the native addon');
    const children = fs.readdirSync(`/proc/${child.pid}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${child.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    if (s.nativeBackend !== 'missing') assert.ok(children.some(mapped), 'the engine process did not load the addon for the status');
  });

  it('refuses files outside the workspace with a sentence that says so', async function () {
    await assert.rejects(
      conn.sendRequest(ExplainRequest.method, { uri: pathToFileURL(path.join(os.tmpdir(), 'elsewhere.js')).toString(), position: { line: 0, character: 0 } }),
      /not inside the open folder/);
  });

  it('reports a missing model as an actionable error, not a crash', async function () {
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { modelPath: path.join(ws, 'no-such-model.gguf'), maxNewTokens: 8 } });
    await assert.rejects(conn.sendRequest(AskRequest.method, { question: 'What does restock do?' }), (e: Error) => {
      assert.match(e.message, /no-such-model\.gguf/);
      return true;
    });
    const s: StatusResult = await conn.sendRequest(StatusRequest.method);
    // The settings change re-indexes; the question does not wait for that (it uses the complete index it has).
    assert.ok(['ready', 'indexing'].includes(s.index.state), `the server must survive the failed request (index ${s.index.state})`);
    assert.ok(s.index.files > 0, 'the index in use still holds the workspace');
  });
});
