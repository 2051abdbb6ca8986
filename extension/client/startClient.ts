/**
 * Starts the language server (dist/server/main.js) as a Node child process talking LSP over IPC, and keeps the
 * server's idea of the settings in step with VS Code's. The server owns all the work; this file only wires it.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification, LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind,
} from 'vscode-languageclient/node';
import { EngineLogNotification, RemoteKeyRequest } from '../../server/protocol/protocol';
import { REMOTE_KEY_SECRET } from '../commands/remoteCommands';
import { readSettings } from '../../common/settings/readSettings';
import { SETTINGS_SECTION } from '../../common/settings/schema';

/** Languages the tree-sitter index understands: the server offers code lenses and context for these. */
export const INDEXED_LANGUAGES = [
  'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python', 'go', 'rust', 'java', 'c', 'cpp',
  'csharp', 'ruby', 'shellscript',
];

export interface StartedClient {
  client: LanguageClient;
  dispose(): Promise<void>;
}

export function currentSettings() {
  return readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
}

export async function startClient(
  context: vscode.ExtensionContext,
  serverLog: vscode.LogOutputChannel,
  engineLog: vscode.LogOutputChannel,
): Promise<StartedClient> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server', 'main.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: INDEXED_LANGUAGES.map((language) => ({ scheme: 'file', language })),
    outputChannel: serverLog,
    initializationOptions: { settings: currentSettings(), extensionPath: context.extensionPath },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*') },
    middleware: {
      // The setting is read on every request so that toggling it takes effect without a restart.
      provideCodeLenses: (document, token, next) => (currentSettings().codeLensEnabled ? next(document, token) : []),
    },
  };
  const client = new LanguageClient('unisparse', 'UniSparse Language Server', serverOptions, clientOptions);
  const subscriptions: vscode.Disposable[] = [];
  subscriptions.push(client.onNotification(EngineLogNotification, ({ level, message }) => {
    if (level === 'error') engineLog.error(message);
    else if (level === 'warn') engineLog.warn(message);
    else engineLog.info(message);
  }));
  // The remote endpoint's key stays in secret storage until the server needs it for an answer.
  subscriptions.push(client.onRequest(RemoteKeyRequest, async () => (await context.secrets.get(REMOTE_KEY_SECRET)) ?? null));
  await client.start();
  subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration(SETTINGS_SECTION) || client.state !== State.Running) return;
    void client.sendNotification(DidChangeConfigurationNotification.type, { settings: currentSettings() });
  }));
  return {
    client,
    async dispose() {
      for (const s of subscriptions) s.dispose();
      if (client.state === State.Running) await client.stop();
    },
  };
}
