/**
 * What the commands told the user: every message a command shows goes through `notify`, which also keeps the last
 * few in `ctx.notices`. A command that explains itself (no answer yet, server down, a missing file) and one that
 * failed both return undefined; the notices say which, for the status bar's callers, other extensions and the
 * host tests.
 */
import * as vscode from 'vscode';
import type { CommandContext } from './commandContext';

export interface CommandNotice {
  /** `explained`: the command could not do its work and said why; `failed`: it threw or its request failed. */
  kind: 'explained' | 'failed';
  message: string;
  at: number;
}

const KEPT = 20;

/** Shows `message` (a warning for failures, else information) and records it; resolves to the chosen action. */
export function notify(ctx: Pick<CommandContext, 'notices'>, kind: CommandNotice['kind'], message: string, ...actions: string[]): Thenable<string | undefined> {
  ctx.notices.push({ kind, message, at: Date.now() });
  if (ctx.notices.length > KEPT) ctx.notices.splice(0, ctx.notices.length - KEPT);
  const text = `UniSparse: ${message}`;
  return kind === 'failed' ? vscode.window.showErrorMessage(text, ...actions) : vscode.window.showInformationMessage(text, ...actions);
}
