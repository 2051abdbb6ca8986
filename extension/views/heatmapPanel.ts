/**
 * The heatmap view: the kept-block mask of the last answer's prefill (rows = query blocks, columns = key
 * blocks), drawn on a canvas by media/heatmap.js, with the density and block size beside it.
 */
import * as vscode from 'vscode';
import type { SelectionResult } from '../../server/protocol/protocol';
import { webviewHtml, webviewOptions } from './webviewHtml';

export class HeatmapPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pending: SelectionResult | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(selection: SelectionResult): void {
    this.pending = selection;
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel('unisparse.heatmap', 'UniSparse Blocks',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.extensionUri));
      panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'unisparse.svg');
      panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'UniSparse Blocks', 'heatmap.js', 'heatmap.css');
      panel.webview.onDidReceiveMessage((m: { type: string }) => {
        if (m.type === 'ready') { this.ready = true; this.flush(); }
      });
      panel.onDidDispose(() => { this.panel = undefined; this.ready = false; });
      this.panel = panel;
    } else {
      this.panel.reveal(undefined, true);
    }
    this.flush();
  }

  private flush(): void {
    if (!this.panel || !this.ready || !this.pending) return;
    void this.panel.webview.postMessage({ type: 'selection', selection: this.pending });
  }

  dispose(): void { this.panel?.dispose(); }
}
