/**
 * UniSparse: Select Model. Lists the model catalog with what fits this machine (RAM, GPU memory), the models
 * already in the cache, and a file picker. Choosing a catalog model that is not downloaded yet downloads it (with
 * progress and cancel, resuming a partial download) before the setting changes.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../../common/settings/schema';
import type { CommandFactory } from './commandFactory';
import { notify } from './notices';
import { catalogRows, fetchCatalogModel, CatalogRow } from '../../server/models/fetchCatalogModel';
import { describeFit, formatBytes } from '../../server/models/modelCatalog';
import { machineMemory } from '../../server/models/machineMemory';
import { modelCacheDir } from '../../server/models/modelPaths';

type Item = vscode.QuickPickItem & { value?: string; row?: CatalogRow };

const FIT_ICON: Record<CatalogRow['fit'], string> = { gpu: '$(rocket)', cpu: '$(check)', tight: '$(warning)', 'too-large': '$(circle-slash)' };

function catalogItem(row: CatalogRow, current: string): Item {
  const isDefault = row.entry.source === 'pip';
  const value = isDefault ? '' : row.path;
  const state = row.path ? 'downloaded' : `download ${formatBytes(row.entry.sizeBytes)}`;
  return {
    label: `${FIT_ICON[row.fit]} ${row.entry.label}`,
    description: `${describeFit(row.fit)} · needs ~${formatBytes(row.memoryBytes)} · ${state}`,
    detail: `${row.entry.description}${value !== undefined && value === current ? ' (current)' : ''}`,
    value,
    row,
  };
}

/** Other GGUF files in the model cache (downloaded by hand). */
function otherCachedModels(known: Set<string>): string[] {
  const dir = modelCacheDir();
  try { return fs.readdirSync(dir).filter((f) => f.endsWith('.gguf') && !known.has(f)).map((f) => path.join(dir, f)); } catch { return []; }
}

async function download(row: CatalogRow): Promise<string | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `UniSparse: downloading ${row.entry.label}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let last = 0;
      try {
        return await fetchCatalogModel(row.entry.id, {
          signal: controller.signal,
          progress: (line) => {
            const pct = /: (\d+)% \(/.exec(line);
            if (pct) { const n = Number(pct[1]); progress.report({ increment: n - last, message: line.replace(/^unisparse: [^:]+: /, '') }); last = n; }
          },
        });
      } catch (e) {
        if (!controller.signal.aborted) void vscode.window.showErrorMessage(`UniSparse: ${(e as Error).message}`);
        return undefined;
      }
    });
}

export const selectModel: CommandFactory = {
  needsServer: false,
  enabled: (ctx) => async (modelPath?: string) => {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    let chosen = typeof modelPath === 'string' ? modelPath : undefined;
    if (chosen === undefined) {
      const current = config.get<string>('model.path') ?? '';
      const machine = machineMemory();
      const rows = catalogRows(machine);
      const known = new Set(rows.map((r) => r.entry.fileName));
      const items: Item[] = [
        { label: 'Recommended models', kind: vscode.QuickPickItemKind.Separator },
        ...rows.map((r) => catalogItem(r, current)),
        { label: 'Other', kind: vscode.QuickPickItemKind.Separator },
        ...otherCachedModels(known).map((p) => ({ label: path.basename(p), description: p, detail: p === current ? 'current' : undefined, value: p })),
        { label: 'Browse…', description: 'a .gguf file or a Hugging Face safetensors folder' },
      ];
      const memory = `${formatBytes(machine.ramBytes)} RAM${machine.gpuBytes ? `, GPU ${formatBytes(machine.gpuBytes)}` : ', no GPU'}`;
      const pick = await vscode.window.showQuickPick(items, { title: `UniSparse: Select Model (this machine: ${memory})`, matchOnDescription: true });
      if (!pick) return undefined;
      if (pick.row && pick.value === undefined) {
        chosen = await download(pick.row);
        if (!chosen) return undefined;
      } else if (pick.value === undefined) {
        const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false,
          title: 'Model: a .gguf file or a folder with config.json and *.safetensors', filters: { 'GGUF model': ['gguf'], 'All files': ['*'] } });
        if (!uris?.length) return undefined;
        chosen = uris[0].fsPath;
      } else {
        chosen = pick.value;
      }
    }
    if (chosen && !fs.existsSync(chosen)) {
      void notify(ctx, 'explained', `${chosen} does not exist; the model setting was not changed.`);
      return undefined;
    }
    await config.update('model.path', chosen, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(`UniSparse model: ${chosen ? path.basename(chosen) : 'default'}`, 4000);
    return chosen;
  },
};
