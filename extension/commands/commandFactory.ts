/**
 * Commands as small factories with an enabled and a disabled form (rust-analyzer's pattern): a command that needs
 * the language server and runs while the server is down explains why instead of throwing, and no handler's error
 * escapes to VS Code as an unexplained failure.
 */
import { ResponseError } from 'vscode-languageclient/node';
import type { CommandContext } from './commandContext';
import { notify } from './notices';

export type CommandHandler = (...args: any[]) => unknown | Promise<unknown>;

export interface CommandFactory {
  /** False for commands that work without the server (logs, overlays, model choice). */
  needsServer: boolean;
  enabled(ctx: CommandContext): CommandHandler;
  /** Defaults to a message saying the server is not running and how to see why. */
  disabled?(ctx: CommandContext): CommandHandler;
}

export function serverDownHandler(ctx: CommandContext): CommandHandler {
  return () => {
    // Not awaited: the command returns at once (callers and tests must not hang until the toast is dismissed).
    void notify(ctx, 'explained', `the language server is not running (${ctx.serverProblem()}).`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') ctx.serverLog.show(true);
    });
    return undefined;
  };
}

/** Picks the form by the server's state on each call, and turns any failure into a message. */
export function bindCommand(id: string, factory: CommandFactory, ctx: CommandContext): CommandHandler {
  return async (...args: unknown[]) => {
    const handler = !factory.needsServer || ctx.client()
      ? factory.enabled(ctx)
      : (factory.disabled ?? serverDownHandler)(ctx);
    try {
      return await handler(...args);
    } catch (e) {
      const message = errorMessage(e);
      ctx.serverLog.appendLine(`[${id}] ${message}`);
      void notify(ctx, 'failed', message);
      return undefined;
    }
  };
}

export function errorMessage(e: unknown): string {
  if (e instanceof ResponseError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
