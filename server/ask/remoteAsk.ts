/**
 * The path of a repository question answered by a remote OpenAI-compatible endpoint instead of the local engine:
 * the index, the ranking, the packing (secrets redacted) and the citations stay here; only the chat messages go
 * out. Our own `unisparse serve` sends back the sparse attention's block scores with the prompt's token spans, so
 * the selected blocks (the editor overlays) are mapped to source lines exactly as for a local answer; any other
 * server answers without them, and the stats say so (`remote.overlays: false`).
 */
import * as path from 'path';
import { DEFAULT_ATTENTION, DEFAULT_CONTEXT_BUDGET_TOKENS, DEFAULT_MAX_NEW_TOKENS } from '../../common/attentionOptions';
import { RepoIndex } from '../index/repoIndex';
import { buildContext, PackedContext } from '../context/buildContext';
import { SourceMap } from '../context/sourceMap';
import { remoteChat, remoteModel, RemoteEndpoint } from '../engine/remote/openAiClient';
import { askMessages, questionText } from './promptBuilder';
import { citableChunks, citationsFor } from './citations';
import { attentionReportFromJson } from '../engine/attentionReport';
import { selectionFromReport } from './selectedBlocks';
import { contextChunkStats } from './contextChunks';
import type { AskOptions, AskResult } from './askPipeline';

/** Without the remote model's tokenizer, a conservative count: code averages well over 3 characters a token. */
const estimateTokens = (text: string): number => Math.ceil(text.length / 3);
const DEFAULT_REMOTE_CONTEXT = 8192;

function cancelled(): Error {
  const e = new Error('The question was cancelled.');
  e.name = 'AbortError';
  return e;
}

export async function runRemoteAsk(opts: AskOptions & { remote: RemoteEndpoint }): Promise<AskResult> {
  const started = Date.now();
  const emit = opts.onDelta ?? (() => undefined);
  const check = () => { if (opts.signal?.aborted) throw cancelled(); };
  const mode = opts.mode ?? 'ask';
  const maxNewTokens = opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  const modelInfo = remoteModel(opts.remote, opts.signal);
  modelInfo.catch(() => undefined);
  let index = opts.index;
  const ownsIndex = !index;
  try {
    if (!index) {
      emit({ phase: 'indexing', progress: 0 });
      index = await RepoIndex.build(path.resolve(opts.repo), {
        cacheDir: opts.cacheDir, signal: opts.signal, secretFiles: opts.secretFiles,
        onProgress: (done, total) => emit({ phase: 'indexing', progress: total ? done / total : 0 }),
      });
    }
    check();
    // Asked while the index is being built: parse the files the question is about first, as a local answer does.
    if (!index.isComplete) {
      await index.prepareForQuestion(opts.question,
        { activeFile: opts.activeFile, focusFile: opts.focus?.file, focusFolder: opts.focus?.folder }, { signal: opts.signal });
      check();
    }
    const model = await modelInfo;
    check();
    emit({ phase: 'packing' });
    const overhead = estimateTokens(askMessages('', opts.question, mode).map((m) => m.content).join('\n')) + 32;
    const room = (model.contextLength ?? DEFAULT_REMOTE_CONTEXT) - maxNewTokens - overhead;
    const packed: PackedContext = buildContext(index, {
      question: opts.question, activeFile: opts.activeFile, selection: opts.selection, focus: opts.focus,
      budgetTokens: Math.max(0, Math.min(opts.budgetTokens ?? DEFAULT_CONTEXT_BUDGET_TOKENS, room)), countTokens: estimateTokens,
    });
    emit({ phase: 'prefill', progress: 0 });
    let firstTokenAt = 0;
    const result = await remoteChat(opts.remote, model.id, { messages: askMessages(packed.text, opts.question, mode), maxTokens: maxNewTokens,
      question: mode === 'ask' ? opts.question : questionText(mode, opts.question) },
      {
        signal: opts.signal,
        onToken: (text) => {
          if (!firstTokenAt) { firstTokenAt = Date.now(); emit({ phase: 'decode' }); }
          emit({ text });
        },
      }).catch((e: Error) => { if (opts.signal?.aborted) throw cancelled(); throw e; });
    check();

    const answer = result.text.trim();
    const citations = citationsFor(answer, citableChunks(packed));
    // Overlays: the remote prompt's token spans locate our packed text, then the block scores map to lines.
    const sel = result.selection;
    const contextOffset = sel ? sel.promptText.indexOf(packed.text) : -1;
    const spans = sel && contextOffset >= 0 ? Int32Array.from(sel.spans) : undefined;
    const report = spans && sel?.attention ? attentionReportFromJson(sel.attention) : undefined;
    const sourceMap = spans && SourceMap.fromPackedContext(packed, spans, contextOffset);
    const selection = selectionFromReport(report, report?.blockSize ?? DEFAULT_ATTENTION.blockSize, spans ? spans.length / 2 : 0,
      sourceMap || { rangesForTokens: () => [] }, opts.question);
    const overlays = Boolean(report);
    const decodeSeconds = firstTokenAt ? (Date.now() - firstTokenAt) / 1000 : 0;
    emit({ phase: 'done' });
    return {
      answer,
      citations,
      selection,
      stats: {
        contextTokens: result.promptTokens ?? estimateTokens(packed.text) + overhead,
        density: selection.density,
        ttftMs: (firstTokenAt || Date.now()) - started,
        decodeTokensPerS: decodeSeconds > 0 && result.completionTokens ? result.completionTokens / decodeSeconds : 0,
        omittedChunks: packed.omitted.chunks,
        omittedFiles: packed.omitted.files,
        redactedSecrets: packed.redactedSecrets,
        model: model.id,
        stopReason: result.finishReason === 'length' ? 'length' : 'stop',
        remote: { url: opts.remote.url, overlays },
        ...(spans ? { contextChunks: contextChunkStats(packed.chunks, spans, contextOffset) } : {}),
      },
    };
  } finally {
    if (ownsIndex) index?.dispose();
  }
}
