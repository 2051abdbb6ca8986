/**
 * The "Answers" view in the UniSparse activity-bar container: the answers of this session, newest first.
 * Clicking one shows it again in the answer panel.
 */
import * as vscode from 'vscode';
import type { AnswerResult } from '../../server/protocol/protocol';

export interface AnswerEntry { title: string; question: string; result: AnswerResult; at: Date }

export const OPEN_ANSWER_COMMAND = 'unisparse.openAnswer';

export class AnswersView implements vscode.TreeDataProvider<AnswerEntry> {
  private readonly entries: AnswerEntry[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  add(entry: AnswerEntry): void {
    this.entries.unshift(entry);
    if (this.entries.length > 50) this.entries.pop();
    this.changed.fire();
  }

  get all(): readonly AnswerEntry[] { return this.entries; }

  getChildren(element?: AnswerEntry): AnswerEntry[] { return element ? [] : [...this.entries]; }

  getTreeItem(e: AnswerEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(e.question || e.title, vscode.TreeItemCollapsibleState.None);
    const s = e.result.stats;
    item.description = `${e.title} · ${e.at.toLocaleTimeString()}`;
    item.tooltip = new vscode.MarkdownString(
      `**${e.title}**: ${e.question}\n\n${s.contextTokens} context tokens, density ${(s.density * 100).toFixed(1)}%, ` +
      `first token ${Math.round(s.ttftMs)} ms, ${s.decodeTokensPerS.toFixed(1)} tok/s`);
    item.iconPath = new vscode.ThemeIcon('comment-discussion');
    item.command = { command: OPEN_ANSWER_COMMAND, title: 'Show Answer', arguments: [e] };
    return item;
  }

  dispose(): void { this.changed.dispose(); }
}
