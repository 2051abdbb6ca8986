/** Re-index, select model, stop generation, show engine log, status. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ReindexRequest, StatusRequest, StatusResult, StopRequest } from '../../server/protocol/protocol';
import { SETTINGS_SECTION } from '../settings/schema';
import type { CommandFactory } from './commandFactory';

export const reindex: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async () => vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'UniSparse: re-indexing' },
    async () => {
      const r = await ctx.client()!.sendRequest(ReindexRequest);
      vscode.window.setStatusBarMessage(`UniSparse: indexed ${r.files} files in ${r.seconds.toFixed(1)} s`, 5000);
      return r;
    }),
};

export const stopGeneration: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async () => {
    const wasRunning = !!ctx.generation.cancel;
    ctx.generation.cancel?.cancel();
    await ctx.client()!.sendRequest(StopRequest);
    if (!wasRunning) vscode.window.setStatusBarMessage('UniSparse: nothing to stop', 3000);
    return wasRunning;
  },
};

export const showEngineLog: CommandFactory = {
  needsServer: false,
  enabled: (ctx) => () => { ctx.engineLog.show(true); return true; },
};

export function describeStatus(s: StatusResult): string {
  const native = s.nativeBackend === 'missing' ? `native addon missing (${s.nativeError?.split('\n')[0] ?? 'unknown reason'})` : `native ${s.nativeBackend}`;
  const engine = `engine ${s.engine.state}${s.engine.model ? ` (${path.basename(s.engine.model)})` : ''}${s.engine.lastError ? `: ${s.engine.lastError}` : ''}`;
  const index = `index ${s.index.state}, ${s.index.files} files, ${s.index.symbols} symbols`;
  return `server ${s.serverVersion} on Node ${s.nodeVersion}; ${native}; ${engine}; ${index}`;
}

export const status: CommandFactory = {
  needsServer: true,
  enabled: (ctx) => async (): Promise<StatusResult> => {
    const s = await ctx.client()!.sendRequest(StatusRequest);
    const text = describeStatus(s);
    ctx.serverLog.appendLine(`[status] ${text}`);
    if (s.nativeError) ctx.serverLog.appendLine(s.nativeError);
    void vscode.window.showInformationMessage(`UniSparse: ${text}`);
    return s;
  },
};

/** GGUF files in the default model folder, offered first in the picker. */
function cachedModels(): string[] {
  const dir = path.join(os.homedir(), '.cache', 'unisparse', 'models');
  try { return fs.readdirSync(dir).filter((f) => f.endsWith('.gguf')).map((f) => path.join(dir, f)); } catch { return []; }
}

export const selectModel: CommandFactory = {
  needsServer: false,
  enabled: () => async (modelPath?: string) => {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    let chosen = typeof modelPath === 'string' ? modelPath : undefined;
    if (chosen === undefined) {
      const current = config.get<string>('model.path') ?? '';
      const items: (vscode.QuickPickItem & { value?: string })[] = [
        { label: 'Default model', description: 'SmolLM2-135M-Instruct (Q4_1)', detail: current === '' ? 'current' : undefined, value: '' },
        ...cachedModels().map((p) => ({ label: path.basename(p), description: p, detail: p === current ? 'current' : undefined, value: p })),
        { label: 'Browse…', description: 'a .gguf file or a Hugging Face safetensors folder' },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'UniSparse: Select Model' });
      if (!pick) return undefined;
      if (pick.value === undefined) {
        const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false,
          title: 'Model: a .gguf file or a folder with config.json and *.safetensors', filters: { 'GGUF model': ['gguf'], 'All files': ['*'] } });
        if (!uris?.length) return undefined;
        chosen = uris[0].fsPath;
      } else {
        chosen = pick.value;
      }
    }
    if (chosen && !fs.existsSync(chosen)) {
      void vscode.window.showWarningMessage(`UniSparse: ${chosen} does not exist; the model setting was not changed.`);
      return undefined;
    }
    await config.update('model.path', chosen, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(`UniSparse model: ${chosen ? path.basename(chosen) : 'default'}`, 4000);
    return chosen;
  },
};
