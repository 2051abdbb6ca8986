/**
 * Overlays on the editor: the code blocks the sparse attention kept for the last answer, tinted by heat, with a
 * gutter-side overview ruler mark and a hover that gives the score and rank. Re-applied when editors open.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { SelectionResult } from '../../server/protocol/protocol';
import { blocksByFile, HEAT_COLOURS, HEAT_LEVELS, HeatBlock, heatBlocks } from './heatScale';

export class BlockOverlays implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private byFile = new Map<string, HeatBlock[]>();
  private total = 0;
  private enabled: boolean;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly workspaceRoot: () => string | undefined, enabled: boolean) {
    this.enabled = enabled;
    this.types = HEAT_COLOURS.map((colour, level) => vscode.window.createTextEditorDecorationType({
      backgroundColor: colour,
      isWholeLine: true,
      overviewRulerColor: colour.replace(/[\d.]+\)$/, '0.8)'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: level === HEAT_LEVELS - 1 ? { contentText: '  ◆ kept by UniSparse', color: new vscode.ThemeColor('editorCodeLens.foreground') } : undefined,
    }));
    this.subscription = vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.paint(e)));
  }

  /** Replaces the overlays with the blocks of `selection`. Returns how many blocks are drawable. */
  show(selection: SelectionResult): number {
    const blocks = heatBlocks(selection.blocks);
    this.byFile = blocksByFile(blocks);
    this.total = blocks.length;
    this.repaint();
    return blocks.length;
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.repaint();
  }

  get isEnabled(): boolean { return this.enabled; }

  /** Decorated line ranges in one editor, per heat level (for tests and the status command). */
  decoratedFiles(): string[] { return this.enabled ? [...this.byFile.keys()] : []; }

  private repaint(): void { for (const e of vscode.window.visibleTextEditors) this.paint(e); }

  private paint(editor: vscode.TextEditor): void {
    const root = this.workspaceRoot();
    const rel = root ? path.relative(root, editor.document.uri.fsPath).split(path.sep).join('/') : undefined;
    const blocks = this.enabled && rel ? this.byFile.get(rel) ?? [] : [];
    const perLevel: vscode.DecorationOptions[][] = this.types.map(() => []);
    const last = editor.document.lineCount - 1;
    for (const b of blocks) {
      const start = Math.min(Math.max(b.startLine - 1, 0), last);
      const end = Math.min(Math.max(b.endLine - 1, start), last);
      const hover = new vscode.MarkdownString(
        `**UniSparse**: the question's attention to lines ${b.startLine}-${b.endLine}: ${b.score.toFixed(3)} of the most-read block, ` +
        `rank ${b.rank + 1} of ${this.total}.`);
      perLevel[b.level].push({ range: new vscode.Range(start, 0, end, 0), hoverMessage: hover });
    }
    this.types.forEach((t, level) => editor.setDecorations(t, perLevel[level]));
  }

  dispose(): void {
    this.subscription.dispose();
    for (const t of this.types) t.dispose();
  }
}
