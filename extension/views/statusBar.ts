/** A status-bar item that says whether the UniSparse server runs; clicking it runs "UniSparse: Show Status". */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('unisparse.status', vscode.StatusBarAlignment.Right, 100);
  private subscription: vscode.Disposable | undefined;

  constructor() {
    this.item.name = 'UniSparse';
    this.item.command = 'unisparse.status';
    this.set('$(loading~spin) UniSparse', 'UniSparse: starting the language server');
    this.item.show();
  }

  watch(client: LanguageClient): void {
    const update = () => {
      if (client.state === State.Running) this.set('$(flame) UniSparse', 'UniSparse: server running. Click for status.');
      else if (client.state === State.Starting) this.set('$(loading~spin) UniSparse', 'UniSparse: starting');
      else this.set('$(error) UniSparse', 'UniSparse: server stopped. Click for status.');
    };
    this.subscription?.dispose();
    this.subscription = client.onDidChangeState(update);
    update();
  }

  failed(reason: string): void { this.set('$(error) UniSparse', `UniSparse: ${reason}`); }

  private set(text: string, tooltip: string): void { this.item.text = text; this.item.tooltip = tooltip; }

  dispose(): void { this.subscription?.dispose(); this.item.dispose(); }
}
