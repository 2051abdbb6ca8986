/** Registers a handler for every command in commandList.ts; the Record type makes a missing one a compile error. */
import * as vscode from 'vscode';
import { analyzeFile, analyzeFolder, ask, explainSelection, explainSymbol } from './answerCommands';
import { showSelectedBlocks, toggleOverlays } from './blockCommands';
import type { CommandContext } from './commandContext';
import { bindCommand, CommandFactory } from './commandFactory';
import type { CommandId } from './commandList';
import { reindex, showEngineLog, status, stopGeneration } from './engineCommands';
import { selectModel } from './selectModel';
import { setRemoteApiKey } from './remoteCommands';
import { AnswerEntry, OPEN_ANSWER_COMMAND } from '../views/answersView';

const FACTORIES: Record<CommandId, CommandFactory> = {
  'unisparse.ask': ask,
  'unisparse.explainSelection': explainSelection,
  'unisparse.explainSymbol': explainSymbol,
  'unisparse.analyzeFile': analyzeFile,
  'unisparse.analyzeFolder': analyzeFolder,
  'unisparse.showSelectedBlocks': showSelectedBlocks,
  'unisparse.toggleOverlays': toggleOverlays,
  'unisparse.reindex': reindex,
  'unisparse.selectModel': selectModel,
  'unisparse.stopGeneration': stopGeneration,
  'unisparse.showEngineLog': showEngineLog,
  'unisparse.status': status,
  'unisparse.setRemoteApiKey': setRemoteApiKey,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const list = Object.entries(FACTORIES).map(([id, factory]) =>
    vscode.commands.registerCommand(id, bindCommand(id, factory, ctx)));
  // Internal (not in the palette): the answers view opens a past answer with it.
  list.push(vscode.commands.registerCommand(OPEN_ANSWER_COMMAND, (e: AnswerEntry) =>
    e && ctx.answerPanel.showResult(e.title, e.question, e.result)));
  return list;
}
