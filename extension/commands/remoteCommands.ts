/**
 * The remote endpoint's API key (`unisparse.remote.url`): kept in VS Code's secret storage, never in settings, and
 * handed to the language server only when it asks for it (RemoteKeyRequest) before a remote answer.
 */
import * as vscode from 'vscode';
import type { AnswerResult } from '../../server/protocol/protocol';
import type { CommandContext } from './commandContext';
import type { CommandFactory } from './commandFactory';
import { notify } from './notices';
import { remoteOverlayNote } from './remoteOverlayNote';

export const REMOTE_KEY_SECRET = 'unisparse.remote.apiKey';

/** "Set Remote API Key": the key as an argument (scripts, tests) or typed into a password box; empty removes it. */
export const setRemoteApiKey: CommandFactory = {
  needsServer: false,
  enabled: (ctx) => async (given?: unknown): Promise<boolean | undefined> => {
    const key = typeof given === 'string' ? given : await vscode.window.showInputBox({
      title: 'UniSparse: API key of the remote endpoint', prompt: 'Stored in VS Code\'s secret storage. Leave empty to remove it.',
      password: true, ignoreFocusOut: true,
    });
    if (key === undefined) return undefined;
    if (key.trim()) await ctx.extension.secrets.store(REMOTE_KEY_SECRET, key.trim());
    else await ctx.extension.secrets.delete(REMOTE_KEY_SECRET);
    vscode.window.setStatusBarMessage(key.trim() ? 'UniSparse: remote API key stored' : 'UniSparse: remote API key removed', 4000);
    return Boolean(key.trim());
  },
};

const toldNoOverlays = new Set<string>();

/** Other OpenAI-compatible servers send no attention data: say so once per endpoint, not after every answer. */
export function noteRemoteOverlays(ctx: CommandContext, result: AnswerResult): void {
  const note = remoteOverlayNote(result, toldNoOverlays);
  if (note) void notify(ctx, 'explained', note);
}
