/**
 * The one protocol shared by the client (extension/) and the language server (server/).
 *
 * Every custom message is a typed constant named `unisparse/<verb>`. Requests that produce an answer
 * stream it as LSP partial results (`partialResultToken`), report work-done progress, and honour
 * LSP cancellation, which the server forwards to the engine process.
 *
 * This file only declares shapes: it must stay importable from both sides without pulling in
 * vscode or server-only modules.
 */
import { ProtocolNotificationType, ProtocolRequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { AttentionMode, Device, DeviceSetting } from '../../common/attentionOptions';

/** A range of whole lines in a workspace file; lines are 1-based and inclusive, paths are workspace-relative. */
export interface SourceRange {
  file: string;
  startLine: number;
  endLine: number;
}

/** A context block the sparse attention kept, mapped to source, with its selection score in [0, 1]. */
export interface SelectedBlock extends SourceRange {
  score: number;
}

/** Numbers reported with every answer. */
export interface AnswerStats {
  /** Tokens in the packed prompt (context + question). */
  contextTokens: number;
  /** Kept key blocks / causal key blocks, averaged over layers and heads (1 for dense attention). */
  density: number;
  /** Time to first token, from request to the first generated token. */
  ttftMs: number;
  decodeTokensPerS: number;
  /** Chunks the packer could not fit in the token budget; never dropped silently. */
  omittedChunks?: number;
  omittedFiles?: string[];
  /** Secret values (private keys, tokens, passwords) replaced by `[redacted]` before the context was packed. */
  redactedSecrets?: number;
  /** Set when a remote OpenAI-compatible endpoint answered; `overlays` false: it sent no attention data. */
  remote?: { url: string; overlays: boolean };
  attention?: AttentionMode;
  device?: Device;
  model?: string;
  /** Why the answer ended: 'eos' (the model closed its turn), 'stop' (a stop string), 'length' (the answer limit), 'context' (the window is full). */
  stopReason?: 'eos' | 'stop' | 'length' | 'context' | 'cancelled';
  /** What was packed, in prompt order: each chunk's lines and the prompt tokens it took. */
  contextChunks?: ContextChunkStat[];
  /** Set when the answer came while the repository was still being indexed: how much of it the answer saw. */
  index?: IndexCoverageStat;
}

/** How much of the repository was indexed when an answer was made before the index was complete. */
export interface IndexCoverageStat {
  indexedFiles: number;
  /** Files listed for indexing (undefined if the listing was not done yet). */
  totalFiles?: number;
  indexedBytes: number;
  /** Files the question named or mentioned that were parsed before the rest (and are in the index). */
  prioritizedFiles: number;
  /** Files the question needed whose parse had not landed: used as plain line windows of their text. */
  windowOnlyFiles: number;
  /** One sentence for the user, e.g. "Answered while indexing: 812 of 5,020 files (16%) were indexed ...". */
  message: string;
}

/** One packed context chunk: `file:startLine-endLine` and its token count. */
export interface ContextChunkStat {
  file: string;
  startLine: number;
  endLine: number;
  tokens: number;
}

/** The context blocks the sparse attention selected for one answer; the client paints them as overlays and a heatmap. */
export interface SelectionResult {
  question?: string;
  blockSize: number;
  density: number;
  /** Best first: the context ranges the question's attention reached most. */
  blocks: SelectedBlock[];
  /** Kept-block mask of one representative layer/head for the heatmap: rows are query blocks, row-major. */
  heatmap?: { nBlocks: number; mask: number[] };
}

/** The complete result of an answering request; the partial results carry `AnswerDelta`s. */
export interface AnswerResult {
  answer: string;
  citations: SourceRange[];
  /** Sent once, with the answer: the client keeps the last one for "Show Selected Blocks". */
  selection: SelectionResult;
  stats: AnswerStats;
}

/** One streamed piece of an answer (sent as a partial result). */
export interface AnswerDelta {
  /** Text to append to the answer so far. */
  text?: string;
  /** A phase change the UI shows: indexing, packing context, prefill (with progress), decoding. */
  phase?: 'indexing' | 'packing' | 'prefill' | 'decode' | 'done';
  /** 0..1 progress inside the phase, when known. */
  progress?: number;
}

export interface TextPosition {
  line: number;
  character: number;
}

/** Sent by the client when the user asks a free-form question about the repository. */
export interface AskParams {
  question: string;
  /** The active editor's document URI, used to seed ranking. */
  activeUri?: string;
  /** The selection in the active editor, used to seed ranking. */
  selection?: { start: TextPosition; end: TextPosition };
  partialResultToken?: string | number;
  workDoneToken?: string | number;
}
export const AskRequest = new ProtocolRequestType<AskParams, AnswerResult, AnswerDelta, void, void>('unisparse/ask');

/** Sent by the client for "explain selection" and "explain symbol": the symbol or selection at a position. */
export interface ExplainParams {
  uri: string;
  position?: TextPosition;
  selection?: { start: TextPosition; end: TextPosition };
  partialResultToken?: string | number;
  workDoneToken?: string | number;
}
export const ExplainRequest = new ProtocolRequestType<ExplainParams, AnswerResult, AnswerDelta, void, void>('unisparse/explain');

/** Sent by the client for "analyze file" / "analyze folder": summary, structure and dependencies, risky code. */
export interface AnalyzeParams {
  uri: string;
  kind: 'file' | 'folder';
  partialResultToken?: string | number;
  workDoneToken?: string | number;
}
export const AnalyzeRequest = new ProtocolRequestType<AnalyzeParams, AnswerResult, AnswerDelta, void, void>('unisparse/analyze');

/** Sent by the client on activation and by the status command: versions, engine state, native backend. */
export interface StatusResult {
  serverVersion: string;
  nodeVersion: string;
  /** The engine process's addon build: 'cpu' or 'cuda' when it loaded; 'missing' with `nativeError` when it did not. */
  nativeBackend: 'cpu' | 'cuda' | 'missing';
  nativeError?: string;
  /** The device questions run on, chosen from the unisparse.device setting and the engine's facts, and why. */
  device?: { setting: DeviceSetting; chosen?: Device; why: string };
  engine: { state: 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed'; model?: string; lastError?: string };
  index: { state: 'idle' | 'indexing' | 'ready'; files: number; symbols: number };
}
export const StatusRequest = new RequestType0<StatusResult, void>('unisparse/status');

/** Sent by the client for "re-index": rebuilds the index from scratch (the cache is ignored). */
export const ReindexRequest = new RequestType0<{ files: number; seconds: number }, void>('unisparse/reindex');

/** Sent by the client for "stop generation": cancels whatever the engine is doing. */
export const StopRequest = new RequestType0<void, void>('unisparse/stop');

/**
 * Sent by the server to the client before it answers with the remote endpoint of `unisparse.remote.url`: the
 * endpoint's API key, which the client keeps in VS Code's secret storage (null when none is set). The key never
 * sits in settings files.
 */
export const RemoteKeyRequest = new RequestType0<string | null, void>('unisparse/remoteKey');

/** Sent by the server whenever the engine writes a log line; the client shows it in the engine log channel. */
export interface EngineLogParams {
  level: 'info' | 'warn' | 'error';
  message: string;
}
export const EngineLogNotification = new ProtocolNotificationType<EngineLogParams, void>('unisparse/engineLog');
