/** What every command handler may use: the client (when the server runs), the views and the log channels. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { SelectionResult } from '../../server/protocol/protocol';
import type { AnswerPanel } from '../views/answerPanel';
import type { AnswersView } from '../views/answersView';
import type { BlockOverlays } from '../views/blockOverlays';
import type { HeatmapPanel } from '../views/heatmapPanel';
import type { CommandNotice } from './notices';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  /** The running client, or undefined while the server is starting, stopped or failed to start. */
  client(): LanguageClient | undefined;
  /** Why the server is not running (shown by disabled commands). */
  serverProblem(): string;
  workspaceRoot(): string | undefined;
  answerPanel: AnswerPanel;
  answersView: AnswersView;
  overlays: BlockOverlays;
  heatmap: HeatmapPanel;
  serverLog: vscode.LogOutputChannel;
  engineLog: vscode.LogOutputChannel;
  /** The request in flight, so that "stop generation" can cancel it. */
  generation: { cancel?: vscode.CancellationTokenSource };
  /** The last messages the commands showed (./notices.ts), oldest first. */
  notices: CommandNotice[];
  /** The blocks the sparse attention selected for the last answer (they come with the answer). */
  selection: { last?: SelectionResult };
}
