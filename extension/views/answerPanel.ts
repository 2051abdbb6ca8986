/**
 * The answer panel: one webview tab beside the editor that streams the current answer (markdown rendered by
 * marked and cleaned by DOMPurify inside the webview) and turns citations into links that open file:line.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { AnswerDelta, AnswerResult } from '../../server/protocol/protocol';
import type { FromAnswerWebview, ToAnswerWebview } from './answerMessages';
import { webviewHtml, webviewOptions } from './webviewHtml';

export class AnswerPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private queue: ToAnswerWebview[] = [];
  /** The last answer's messages, replayed when the panel is closed and opened again. */
  private transcript: ToAnswerWebview[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly workspaceRoot: () => string | undefined) {}

  start(title: string, question: string): void {
    this.transcript = [];
    this.post({ type: 'start', title, question });
    if (!this.panel!.visible) this.panel!.reveal(undefined, true);
  }
  delta(delta: AnswerDelta): void { this.post({ type: 'delta', delta }); }
  done(result: AnswerResult): void { this.post({ type: 'done', result }); }
  error(message: string): void { this.post({ type: 'error', message }); }
  stopped(): void { this.post({ type: 'stopped' }); }

  /** Shows a finished answer again (from the answers view). */
  showResult(title: string, question: string, result: AnswerResult): void {
    this.start(title, question);
    this.done(result);
  }

  get visible(): boolean { return !!this.panel?.visible; }

  /** The messages of the current answer, in order (the host tests check the streaming through it). */
  get messages(): readonly ToAnswerWebview[] { return this.transcript; }

  private post(message: ToAnswerWebview): void {
    this.transcript.push(message);
    this.ensurePanel();
    if (this.ready) void this.panel!.webview.postMessage(message);
    else this.queue.push(message);
  }

  private ensurePanel(): void {
    if (this.panel) return;
    const panel = vscode.window.createWebviewPanel('unisparse.answer', 'UniSparse Answer',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: true });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'unisparse.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'UniSparse Answer', 'answerPanel.js', 'answerPanel.css');
    this.ready = false;
    this.queue = [...this.transcript];
    panel.webview.onDidReceiveMessage((m: FromAnswerWebview) => this.onMessage(m));
    panel.onDidDispose(() => { this.panel = undefined; this.ready = false; });
    this.panel = panel;
  }

  private onMessage(m: FromAnswerWebview): void {
    if (m.type === 'ready') {
      this.ready = true;
      for (const q of this.queue) void this.panel?.webview.postMessage(q);
      this.queue = [];
    } else if (m.type === 'openCitation') {
      void openCitation(this.workspaceRoot(), m.file, m.startLine, m.endLine ?? m.startLine);
    } else if (m.type === 'openLink' && /^https?:\/\//.test(m.href)) {
      void vscode.env.openExternal(vscode.Uri.parse(m.href));
    }
  }

  dispose(): void { this.panel?.dispose(); }
}

/** Opens a cited range; refuses paths that leave the workspace (the text came from a model). */
export async function openCitation(root: string | undefined, file: string, startLine: number, endLine: number): Promise<boolean> {
  if (!root) { void vscode.window.showWarningMessage('UniSparse: open a folder to follow citations.'); return false; }
  const abs = path.resolve(root, file);
  if (abs !== root && !abs.startsWith(root + path.sep)) {
    void vscode.window.showWarningMessage(`UniSparse: the citation ${file} points outside the workspace; not opened.`);
    return false;
  }
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(abs));
    const last = Math.max(0, doc.lineCount - 1);
    const start = Math.min(Math.max(startLine - 1, 0), last);
    const end = Math.min(Math.max(endLine - 1, start), last);
    const range = new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
    await vscode.window.showTextDocument(doc, { selection: range, viewColumn: vscode.ViewColumn.One });
    return true;
  } catch {
    void vscode.window.showWarningMessage(`UniSparse: the cited file ${file} does not exist in the workspace.`);
    return false;
  }
}
