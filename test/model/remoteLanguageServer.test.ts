// The extension's remote mode, end to end below the UI: the language server (dist/server/main.js, over IPC, as the
// extension starts it) with `unisparse.remote.url` pointing at a real `unisparse serve` process. The server asks
// the client for the key (RemoteKeyRequest: the extension answers from VS Code's secret storage), answers through
// the endpoint, and the answer keeps its overlays (the selection serve sends back, mapped to fixture lines).
import * as assert from 'assert';
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { IPCMessageReader, IPCMessageWriter, createProtocolConnection, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { InitializeRequest, InitializedNotification, ShutdownRequest, ExitNotification, WorkDoneProgressCreateRequest } from 'vscode-languageserver-protocol';
import { AnswerResult, AskRequest, RemoteKeyRequest } from '../../server/protocol/protocol';
import { startServe } from './serveProcess';

const root = path.resolve(__dirname, '..', '..');
const serverMain = path.join(root, 'dist', 'server', 'main.js');
const fixture = path.join(root, 'test', 'host', 'fixture-repo');
const KEY = 'team-key-0123456789';

describe('language server with a remote endpoint (a real unisparse serve)', function () {
  this.timeout(600000);
  let serve: ChildProcess;
  let lsp: ChildProcess;
  let conn: ProtocolConnection;
  let ws: string;
  let base = '';
  let keyAsked = 0;
  let keyToGive: string | null = KEY;

  before(async () => {
    assert.ok(fs.existsSync(serverMain), `${serverMain} is missing: run \`npm run build:js\` first`);
    ({ child: serve, base } = await startServe(['--attention', 'unisparse'], { UNISPARSE_API_KEY: KEY }));
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-remote-lsp-'));
    fs.cpSync(fixture, ws, { recursive: true });
    lsp = fork(serverMain, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, UNISPARSE_CACHE_DIR: path.join(ws, '.cache') } });
    conn = createProtocolConnection(new IPCMessageReader(lsp), new IPCMessageWriter(lsp));
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    conn.onRequest(RemoteKeyRequest, () => { keyAsked++; return keyToGive; });
    conn.onNotification('unisparse/engineLog', () => undefined);
    conn.onNotification('window/logMessage', () => undefined);
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: pathToFileURL(ws).toString(), capabilities: {},
      workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
      initializationOptions: { settings: { remoteUrl: base, maxNewTokens: 24, contextBudgetTokens: 800 } },
    });
    await conn.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    try { await conn.sendRequest(ShutdownRequest.type); await conn.sendNotification(ExitNotification.type); } catch { /* gone */ }
    conn?.dispose();
    lsp?.kill();
    serve?.kill('SIGINT');
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('answers through the endpoint with the key from the client, and keeps the overlays', async () => {
    const r: AnswerResult = await conn.sendRequest(AskRequest.method, { question: 'What does restock do?' });
    assert.ok(keyAsked >= 1, 'the server did not ask the client for the key');
    assert.ok(r.answer.length > 0);
    assert.deepStrictEqual(r.stats.remote, { url: base, overlays: true });
    assert.ok(r.selection && r.selection.blocks.length > 0, 'no overlay data');
    for (const b of r.selection.blocks) {
      const lines = fs.readFileSync(path.join(ws, b.file), 'utf8').split('\n').length;
      assert.ok(b.startLine >= 1 && b.endLine <= lines, JSON.stringify(b));
    }
  });

  it('a wrong key in the secret storage fails the answer with the endpoint\'s 401 and what to check', async () => {
    keyToGive = 'not-the-key-000';
    await assert.rejects(conn.sendRequest(AskRequest.method, { question: 'What does restock do?' }), /HTTP 401: Missing or wrong API key.*Check the API key/);
    keyToGive = KEY;
  });
});
