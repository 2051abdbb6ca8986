/**
 * Sends one answering request (ask / explain / analyze), streams its partial results into the answer panel,
 * shows cancellable progress, and draws the block overlays when it finishes. Returns the result, or undefined
 * when it was stopped or failed (the panel and a message say which).
 */
import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import { LSPErrorCodes, ProgressType, ProtocolRequestType, ResponseError } from 'vscode-languageclient/node';
import { AnswerDelta, AnswerResult } from '../../server/protocol/protocol';
import { currentSettings } from '../client/startClient';
import type { CommandContext } from './commandContext';
import { errorMessage } from './commandFactory';
import { notify } from './notices';
import { noteRemoteOverlays } from './remoteCommands';

const answerProgress = new ProgressType<AnswerDelta>();
const PHASE_TEXT: Record<string, string> = {
  indexing: 'indexing the repository', packing: 'packing context', prefill: 'reading the context', decode: 'answering', done: 'done',
};

export async function runAnswerRequest<P extends object>(
  ctx: CommandContext,
  type: ProtocolRequestType<P, AnswerResult, AnswerDelta, void, void>,
  params: P,
  title: string,
  question: string,
): Promise<AnswerResult | undefined> {
  const client = ctx.client();
  if (!client) return undefined;
  ctx.generation.cancel?.cancel();
  const cancel = new vscode.CancellationTokenSource();
  ctx.generation.cancel = cancel;
  const partialResultToken = randomUUID();
  ctx.answerPanel.start(title, question);
  void vscode.commands.executeCommand('setContext', 'unisparse.generating', true);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `UniSparse: ${title}`, cancellable: true },
      async (progress, progressToken) => {
        progressToken.onCancellationRequested(() => cancel.cancel());
        const sub = client.onProgress(answerProgress, partialResultToken, (delta) => {
          ctx.answerPanel.delta(delta);
          if (delta.phase) progress.report({ message: PHASE_TEXT[delta.phase] ?? delta.phase });
        });
        try {
          const result = await client.sendRequest(type, { ...params, partialResultToken } as never, cancel.token);
          ctx.answerPanel.done(result);
          ctx.answersView.add({ title, question, result, at: new Date() });
          ctx.selection.last = result.selection;
          if (currentSettings().overlaysEnabled) ctx.overlays.show(result.selection);
          noteRemoteOverlays(ctx, result);
          return result;
        } finally {
          sub.dispose();
        }
      });
  } catch (e) {
    if (cancel.token.isCancellationRequested || (e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled)) {
      ctx.answerPanel.stopped();
      return undefined;
    }
    const message = errorMessage(e);
    ctx.answerPanel.error(message);
    void notify(ctx, 'failed', message);
    return undefined;
  } finally {
    if (ctx.generation.cancel === cancel) ctx.generation.cancel = undefined;
    cancel.dispose();
    void vscode.commands.executeCommand('setContext', 'unisparse.generating', false);
  }
}
