/** Re-index, stop generation, show engine log, status. */
import * as path from 'path';
import * as vscode from 'vscode';
import { ReindexRequest, StatusRequest, StatusResult, StopRequest } from '../../server/protocol/protocol';
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
  const device = s.device ? `; device ${s.device.chosen ?? 'none'} (${s.device.why})` : '';
  const engine = `engine ${s.engine.state}${s.engine.model ? ` (${path.basename(s.engine.model)})` : ''}${s.engine.lastError ? `: ${s.engine.lastError}` : ''}`;
  const index = `index ${s.index.state}, ${s.index.files} files, ${s.index.symbols} symbols`;
  return `server ${s.serverVersion} on Node ${s.nodeVersion}; ${native}${device}; ${engine}; ${index}`;
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

