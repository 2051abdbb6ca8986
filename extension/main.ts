/**
 * Extension entry point: starts the language server, registers the commands and views, and reports an
 * activation failure itself (VS Code would not show it). The extension stays thin: the server does the work.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { StartedClient, currentSettings, startClient } from './client/startClient';
import type { CommandContext } from './commands/commandContext';
import { registerCommands } from './commands/registerCommands';
import { ANSWERS_VIEW_ID } from './manifest/contributes';
import { AnswerPanel } from './views/answerPanel';
import { AnswersView } from './views/answersView';
import { BlockOverlays } from './views/blockOverlays';
import { HeatmapPanel } from './views/heatmapPanel';
import { StatusBar } from './views/statusBar';

/** What activate() returns: used by the host tests and by other extensions. */
export interface UniSparseApi {
  /** Settles when the server has started (or failed to: see `problem`). */
  ready: Promise<void>;
  client(): LanguageClient | undefined;
  problem(): string;
  /** Stops the language server (commands then use their disabled form) and, with `restart`, starts it again. */
  stopServer(restart?: boolean): Promise<void>;
  context: CommandContext;
}

let started: StartedClient | undefined;

export function activate(context: vscode.ExtensionContext): UniSparseApi {
  const serverLog = vscode.window.createOutputChannel('UniSparse Language Server', { log: true });
  const engineLog = vscode.window.createOutputChannel('UniSparse Engine', { log: true });
  const workspaceRoot = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let problem = 'it is still starting';

  const ctx: CommandContext = {
    extension: context,
    client: () => (started && started.client.state === State.Running ? started.client : undefined),
    serverProblem: () => problem,
    workspaceRoot,
    answerPanel: new AnswerPanel(context.extensionUri, workspaceRoot),
    answersView: new AnswersView(),
    overlays: new BlockOverlays(workspaceRoot, currentSettings().overlaysEnabled),
    heatmap: new HeatmapPanel(context.extensionUri),
    serverLog,
    engineLog,
    generation: {},
    selection: {},
    notices: [],
  };
  const statusBar = new StatusBar();
  context.subscriptions.push(serverLog, engineLog, ctx.answerPanel, ctx.answersView, ctx.overlays, ctx.heatmap, statusBar,
    vscode.window.registerTreeDataProvider(ANSWERS_VIEW_ID, ctx.answersView),
    ...registerCommands(ctx),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('unisparse.overlays.enabled')) ctx.overlays.setEnabled(currentSettings().overlaysEnabled);
    }));

  const ready = startClient(context, serverLog, engineLog).then(
    (s) => {
      started = s;
      statusBar.watch(s.client);
      s.client.onDidChangeState((e) => { if (e.newState === State.Stopped) problem = 'it stopped; see the log'; });
    },
    (e: unknown) => {
      problem = `it failed to start: ${e instanceof Error ? e.message : String(e)}`;
      serverLog.appendLine(`UniSparse: the language server ${problem}`);
      statusBar.failed(problem);
      void vscode.window.showErrorMessage(`UniSparse: the language server ${problem}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') serverLog.show(true);
      });
    });
  const stopServer = async (restart = false) => {
    if (!started) return;
    await started.client.stop();
    problem = 'it was stopped';
    if (restart) await started.client.start();
  };
  return { ready, client: ctx.client, problem: () => problem, stopServer, context: ctx };
}

export async function deactivate(): Promise<void> {
  await started?.dispose();
  started = undefined;
}
