/**
 * The path of one repository question, shared by the CLI and the language server:
 * index (cached) -> packed context in a token budget -> chat prompt with the question last ->
 * tokens with character spans -> engine prefill (UniSparse by default) -> streamed decode ->
 * citations, the blocks the sparse attention selected (mapped to source lines) and stats.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { AnswerDelta, AnswerResult, IndexCoverageStat } from '../protocol/protocol';
import {
  attentionOptions, AttentionOptions, DEFAULT_GPU_CONTEXT_BUDGET_TOKENS, DEFAULT_MAX_NEW_TOKENS, defaultContextBudget, DeviceSetting,
} from '../../common/attentionOptions';
import { RepoIndex } from '../index/repoIndex';
import { buildContext } from '../context/buildContext';
import { SourceMap, SourceLineRange } from '../context/sourceMap';
import type { AttentionReport } from '../engine/attentionReport';
import { EngineHost } from '../engine/host/engineHost';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { defaultModelPath, resolveModelArg } from '../models/modelPaths';
import { fetchDefaultModel } from '../models/fetchModel';
import { buildAskPrompt, promptOverheadTokens, AskMode } from './promptBuilder';
import { citableChunks, citationsFor } from './citations';
import { contextChunkStats } from './contextChunks';
import { chatStops } from '../tokenizer/chatStops';
import { runRemoteAsk } from './remoteAsk';
import type { RemoteEndpoint } from '../engine/remote/openAiClient';
import { selectionFromReport, firstTokenAtOrAfter } from './selectedBlocks';
import { neutralBaselinePrompt } from './neutralBaseline';

export interface AskOptions {
  repo: string;
  question: string;
  mode?: AskMode;
  activeFile?: string;
  selection?: { startLine: number; endLine: number };
  focus?: { file?: string; folder?: string };
  model?: string;
  /** `auto` (the default): the engine picks CUDA when its addon has it and a GPU is visible, else the CPU. */
  device?: DeviceSetting;
  /** Defaults and validation: common/attentionOptions.ts. */
  attention?: Partial<AttentionOptions>;
  budgetTokens?: number;
  maxNewTokens?: number;
  index?: RepoIndex;
  engine?: EngineHost;
  onDelta?: (d: AnswerDelta) => void;
  signal?: AbortSignal;
  /** Fetch the default model when no model is given and it is not cached yet (the CLI does; default false). */
  fetchModel?: boolean;
  /** Status lines (model fetch progress, engine log). */
  log?: (line: string) => void;
  /** Index cache folder; null disables the on-disk cache. */
  cacheDir?: string | null;
  /** Secret-bearing file patterns the index leaves out (default server/index/secretFiles.ts; [] indexes them). */
  secretFiles?: readonly string[];
  /** Answer with an OpenAI-compatible endpoint instead of the local engine (see remoteAsk.ts). */
  remote?: RemoteEndpoint;
  /**
   * Receives the engine's attention report and the source lines of each key block before they become the overlay
   * (the evaluation keeps them to score overlay rules again without the model).
   */
  onAttentionReport?: (report: AttentionReport | undefined, blockLines: (block: number) => SourceLineRange[]) => void;
  /**
   * Also measure the attention the answer's own tokens gave each block (report.answerBlockMass; one more prefill
   * step of the answer's length). Off by default: the overlay does not use it (on the evaluation it pointed at the
   * answer's lines far less often than the question's attention does; README, answer quality).
   */
  measureAnswer?: boolean;
}

export type AskResult = AnswerResult;

/**
 * Greedy, so an answer is reproducible; a mild penalty on the last 64 tokens and a ban on repeating any
 * 6-token run of the answer, so a small model cannot loop on a paragraph until the length limit.
 */
export const ANSWER_SAMPLER = { temperature: 0, repetitionPenalty: 1.1, repetitionWindow: 64, noRepeatNgram: 6 } as const;

function cancelledError(): Error {
  const e = new Error('The question was cancelled.');
  e.name = 'AbortError';
  return e;
}

async function resolveModel(opts: AskOptions): Promise<string> {
  const given = resolveModelArg(opts.model);
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`${given}: the model file does not exist. Point --model (or unisparse.model) at a .gguf file or model directory, or leave it empty to use the default model.`);
    return given;
  }
  const fallback = defaultModelPath();
  if (fs.existsSync(fallback)) return fallback;
  if (!opts.fetchModel) throw new Error(`The default model is not downloaded yet (${fallback}). Run \`unisparse fetch-model\`, or set unisparse.model to a local .gguf file.`);
  return fetchDefaultModel({ progress: opts.log });
}

function indexProgress(index: RepoIndex): number {
  const c = index.coverage();
  return c.totalFiles ? c.doneFiles / c.totalFiles : 0;
}

/** What an answer made before the index was complete saw, in numbers and in one sentence. */
function coverageStat(index: RepoIndex, prioritized: string[]): IndexCoverageStat | undefined {
  const c = index.coverage();
  if (c.complete) return undefined;
  const windows = new Set(index.windowOnlyFiles());
  const prioritizedFiles = prioritized.filter((f) => index.fileRecord(f) && !windows.has(f)).length;
  const asText = prioritized.filter((f) => windows.has(f)).length;
  const total = c.totalFiles;
  const share = total ? ` of ${total.toLocaleString('en-US')} files (${Math.floor((100 * c.doneFiles) / total)}%)` : ' files';
  const named = prioritized.length ? `; of the ${prioritized.length} file${prioritized.length === 1 ? '' : 's'} the question is about, ` +
    `${prioritizedFiles} were parsed first${asText ? ` and ${asText} read as plain text` : ''}` : '';
  return {
    indexedFiles: c.indexedFiles, totalFiles: total, indexedBytes: c.indexedBytes, prioritizedFiles, windowOnlyFiles: asText,
    message: `Answered while indexing: ${c.indexedFiles.toLocaleString('en-US')}${share} were indexed ` +
      `(${(c.indexedBytes / 1e6).toFixed(1)} MB)${named}. Code in the rest was not seen; ask again when indexing is done for a complete answer.`,
  };
}

export async function runAsk(opts: AskOptions): Promise<AskResult> {
  if (opts.remote) return runRemoteAsk({ ...opts, remote: opts.remote });
  const started = Date.now();
  const emit = opts.onDelta ?? (() => undefined);
  const check = () => { if (opts.signal?.aborted) throw cancelledError(); };
  const repo = path.resolve(opts.repo);
  if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory()) throw new Error(`${repo}: the repository folder does not exist. Pass --repo with an existing folder.`);
  const mode = opts.mode ?? 'ask';
  const attention = attentionOptions(opts.attention);
  const maxNewTokens = opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;

  const modelPath = await resolveModel(opts);
  check();
  const tokenizer = await loadTokenizer(modelPath);
  // Engine errors come back as the request's rejection; logging them too would report one failure twice.
  const engine = opts.engine ?? new EngineHost({ log: (level, msg) => { if (level === 'warn') opts.log?.(msg); } });
  const ownsEngine = !opts.engine;
  let ownsIndex = false;
  let index = opts.index;
  try {
    // Start the model loading in the child while the repository is indexed here.
    // A budget beyond the GPU default asks for a KV cache that holds it (prompt overhead and answer included).
    const maxContext = opts.budgetTokens !== undefined && opts.budgetTokens > DEFAULT_GPU_CONTEXT_BUDGET_TOKENS
      ? opts.budgetTokens + maxNewTokens + 2048 : undefined;
    const loading = engine.load({ modelPath, device: opts.device, ...(maxContext ? { maxContext } : {}) });
    loading.catch(() => undefined);
    if (!index) {
      emit({ phase: 'indexing', progress: 0 });
      index = await RepoIndex.build(repo, {
        cacheDir: opts.cacheDir,
        secretFiles: opts.secretFiles,
        signal: opts.signal,
        onProgress: (done, total) => emit({ phase: 'indexing', progress: total ? done / total : 0 }),
      });
      ownsIndex = true;
    }
    check();
    // A question asked while the index is being built: parse the files it is about first, answer from what is
    // indexed then, and say how much that was.
    let prioritized: string[] | undefined;
    if (!index.isComplete) {
      emit({ phase: 'indexing', progress: indexProgress(index) });
      prioritized = await index.prepareForQuestion(opts.question,
        { activeFile: opts.activeFile, focusFile: opts.focus?.file, focusFolder: opts.focus?.folder }, { signal: opts.signal });
      check();
    }
    const info = await loading;
    check();

    emit({ phase: 'packing' });
    const modelContext = typeof info.contextLength === 'number' && info.contextLength > 0 ? info.contextLength : 8192;
    // The KV cache may hold less than the model's window (the GPU fits it to free memory).
    const contextLength = typeof info.capacity === 'number' && info.capacity > 0 ? Math.min(modelContext, info.capacity) : modelContext;
    // The device the engine actually uses: 'cuda' falls back to the CPU where no GPU is usable.
    const usedDevice = info.device === 'cuda' ? 'cuda' : 'cpu';
    const overhead = promptOverheadTokens(tokenizer, opts.question, mode);
    const room = contextLength - maxNewTokens - overhead - 16;
    const budgetTokens = Math.max(0, Math.min(opts.budgetTokens ?? defaultContextBudget(usedDevice), room));
    const packed = buildContext(index, {
      question: opts.question,
      activeFile: opts.activeFile,
      selection: opts.selection,
      focus: opts.focus,
      budgetTokens,
      // One stable function per tokenizer: the packer memoises chunk counts by its identity across questions.
      countTokens: tokenizer.count,
    });
    const coverage = prioritized ? coverageStat(index, prioritized) : undefined;
    if (coverage) opts.log?.(coverage.message);
    const { prompt, contextOffset, questionOffset, questionEnd } = buildAskPrompt(tokenizer, packed.text, opts.question, mode);
    // The repository text is tokenized literally: a file containing "<|im_end|>" must not end the turn.
    const literal: [number, number] = [contextOffset, contextOffset + packed.text.length];
    const { ids, spans } = tokenizer.encodeWithOffsets(prompt, { literal });
    const sourceMap = SourceMap.fromPackedContext(packed, spans, contextOffset);
    // The question's own words are the rows whose attention the overlay shows (not the template or the hint).
    const questionFrom = firstTokenAtOrAfter(spans, questionOffset);
    const questionTo = Math.max(questionFrom + 1, firstTokenAtOrAfter(spans, questionEnd));
    // The same prompt with a neutral question: the overlay shows what this question read beyond what any would.
    const baseline = neutralBaselinePrompt(tokenizer, prompt, questionOffset, questionEnd, literal);
    check();

    emit({ phase: 'prefill', progress: 0 });
    let firstTokenAt = 0;
    let decodeAnnounced = false;
    const result = await engine.generate(
      {
        prompt: ids,
        maxNewTokens,
        sampler: ANSWER_SAMPLER,
        questionFrom,
        questionTo,
        baseline,
        measureAnswer: opts.measureAnswer,
        ...chatStops(tokenizer),
        stopAtParagraphEnd: mode === 'ask',
        attention,
      },
      {
        signal: opts.signal,
        onPrefillProgress: (done, total) => emit({ phase: 'prefill', progress: total ? done / total : 1 }),
        onToken: (text) => {
          if (!firstTokenAt) firstTokenAt = Date.now();
          if (!decodeAnnounced) { decodeAnnounced = true; emit({ phase: 'decode' }); }
          emit({ text });
        },
      },
    );
    if (result.stopReason === 'cancelled') throw cancelledError();

    const answer = result.text.trim();
    const citations = citationsFor(answer, citableChunks(packed));
    const blockRanges = sourceMap.blockRanges();
    if (opts.onAttentionReport) {
      const size = result.attention?.blockSize || attention.blockSize;
      opts.onAttentionReport(result.attention, (b) => blockRanges.rangesForTokens(b * size, Math.min(ids.length, (b + 1) * size)));
    }
    const selection = selectionFromReport(result.attention, attention.blockSize, ids.length, blockRanges, opts.question);
    const decodeSeconds = result.decodeMs / 1000;
    emit({ phase: 'done' });
    return {
      answer,
      citations,
      selection,
      stats: {
        contextTokens: ids.length,
        density: selection.density,
        ttftMs: (firstTokenAt || Date.now()) - started,
        decodeTokensPerS: decodeSeconds > 0 ? result.decodeTokens / decodeSeconds : 0,
        omittedChunks: packed.omitted.chunks,
        omittedFiles: packed.omitted.files,
        redactedSecrets: packed.redactedSecrets,
        attention: attention.mode,
        device: usedDevice,
        model: path.basename(modelPath),
        stopReason: result.stopReason,
        contextChunks: contextChunkStats(packed.chunks, spans, contextOffset),
        ...(coverage ? { index: coverage } : {}),
        ...{ packedTokens: packed.tokens, reusedTokens: result.reusedTokens, prefillMs: result.prefillMs, decodeTokens: result.decodeTokens },
      },
    };
  } finally {
    if (ownsEngine) engine.dispose();
    if (ownsIndex) index?.dispose();
  }
}
