/**
 * The one-time note for answers from a remote endpoint that sent no attention data (vLLM, SGLang, llama.cpp's
 * server): once per endpoint, not after every answer. Free of `vscode` imports so the unit tests can load it.
 */
import type { AnswerResult } from '../../server/protocol/protocol';

/** The note to show for this answer, or undefined (local answer, overlays present, or already told). */
export function remoteOverlayNote(result: Pick<AnswerResult, 'stats'>, told: Set<string>): string | undefined {
  const remote = result.stats.remote;
  if (!remote || remote.overlays || told.has(remote.url)) return undefined;
  told.add(remote.url);
  return `${remote.url} answers without attention data, so there are no block overlays for its answers ` +
    '(a `unisparse serve` endpoint sends them).';
}
