/** Ask, explain selection, explain symbol, analyze file, analyze folder: each gathers its input and sends one request. */
import * as path from 'path';
import * as vscode from 'vscode';
import { AnalyzeRequest, AskRequest, ExplainRequest, TextPosition } from '../../server/protocol/protocol';
import type { CommandContext } from './commandContext';
import type { CommandFactory } from './commandFactory';
import { notify } from './notices';
import { runAnswerRequest } from './answerRequest';

const pos = (p: vscode.Position): TextPosition => ({ line: p.line, character: p.character });

export const ask: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async (question?: string) => {
    const q = typeof question === 'string' && question.trim() ? question.trim() : await vscode.window.showInputBox({
      title: 'UniSparse: Ask About the Repository',
      prompt: 'A question about this repository (the active file and selection seed the context).',
      placeHolder: 'Where is the configuration loaded, and who reads it?',
      ignoreFocusOut: true,
    });
    if (!q) return undefined;
    const editor = vscode.window.activeTextEditor;
    const fileEditor = editor?.document.uri.scheme === 'file' ? editor : undefined;
    return runAnswerRequest(ctx, AskRequest, {
      question: q,
      activeUri: fileEditor?.document.uri.toString(),
      selection: fileEditor && !fileEditor.selection.isEmpty
        ? { start: pos(fileEditor.selection.start), end: pos(fileEditor.selection.end) } : undefined,
    }, 'Ask', q);
  },
};

export const explainSelection: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) {
      void notify(ctx, 'explained', 'select the code to explain first, then run "Explain Selection".');
      return undefined;
    }
    const s = editor.selection;
    const label = `${vscode.workspace.asRelativePath(editor.document.uri)}:${s.start.line + 1}-${s.end.line + 1}`;
    return runAnswerRequest(ctx, ExplainRequest, {
      uri: editor.document.uri.toString(), selection: { start: pos(s.start), end: pos(s.end) },
    }, 'Explain selection', label);
  },
};

/** Arguments come from the server's code lens (uri string, 0-based position); without them, the cursor. */
export const explainSymbol: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async (uri?: string, position?: TextPosition, name?: string) => {
    let target = typeof uri === 'string' && position ? { uri, position } : undefined;
    if (!target) {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void notify(ctx, 'explained', 'put the cursor on a function or class, then run "Explain Symbol".');
        return undefined;
      }
      target = { uri: editor.document.uri.toString(), position: pos(editor.selection.active) };
    }
    const file = vscode.workspace.asRelativePath(vscode.Uri.parse(target.uri));
    const label = name ? `${name} (${file}:${target.position.line + 1})` : `${file}:${target.position.line + 1}`;
    return runAnswerRequest(ctx, ExplainRequest, target, 'Explain symbol', label);
  },
};

function targetUri(arg: unknown, folder: boolean): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.uri.scheme === 'file') return folder ? vscode.Uri.file(path.dirname(doc.uri.fsPath)) : doc.uri;
  return undefined;
}

function analyze(kind: 'file' | 'folder'): CommandFactory {
  return {
    needsServer: true,
    enabled: (ctx: CommandContext) => async (arg?: unknown) => {
      const uri = targetUri(arg, kind === 'folder');
      if (!uri) {
        void notify(ctx,
          'explained', `open a file, or right-click a ${kind} in the Explorer, then run "Analyze ${kind === 'file' ? 'File' : 'Folder'}".`);
        return undefined;
      }
      return runAnswerRequest(ctx, AnalyzeRequest, { uri: uri.toString(), kind },
        `Analyze ${kind}`, vscode.workspace.asRelativePath(uri) || uri.fsPath);
    },
  };
}

export const analyzeFile = analyze('file');
export const analyzeFolder = analyze('folder');
