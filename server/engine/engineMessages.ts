/**
 * Messages between EngineHost (in the language server or CLI) and the engine child process, sent over
 * the Node IPC channel with structured clone (typed arrays travel as they are). Every request carries an id;
 * the child answers with exactly one `done`/`ready` or `error` for it, after any number of `progress` / `token`
 * messages.
 */
import type { AttentionOptions, Device, DeviceSetting } from '../../common/attentionOptions';
import type { DeviceChoice, DeviceFacts } from '../../common/deviceChoice';
import type { AttentionReport } from './attentionReport';
import type { SamplerOptions } from './child/sampler';

/** Loads (or keeps) a model. The attention options come with each question, not here. */
export interface LoadRequest {
  type: 'load';
  id: number;
  modelPath: string;
  threads?: number;
  maxContext?: number;
  device?: DeviceSetting;
}

/** The engine's addon build and GPU, without loading a model (the language server never loads the addon itself). */
export interface FactsRequest {
  type: 'facts';
  id: number;
}

export interface GenerateRequest {
  type: 'generate';
  id: number;
  /** Prompt token ids (already templated and tokenized by the caller). */
  prompt: number[];
  maxNewTokens: number;
  sampler?: SamplerOptions;
  stopStrings?: string[];
  /** Token ids that end the answer like the end-of-sequence token (e.g. the chat template's turn markers). */
  stopTokens?: number[];
  /** End the answer at its first blank line outside a code fence (a short answer to a plain question). */
  stopAtParagraphEnd?: boolean;
  /** The attention of this question's prefill; a change drops the reusable KV cache. */
  attention: AttentionOptions;
  /** Tokens per prefill step; smaller reacts faster to cancellation, larger runs faster. */
  prefillChunk?: number;
  /**
   * First prompt token of the question: the prefill measures the exact attention that rows from here on give each
   * key block (the overlay's "what the question read"); those rows are always evaluated, never taken from the cache.
   */
  questionFrom?: number;
  /** End (exclusive) of the question's tokens; default the end of the prompt. */
  questionTo?: number;
  /**
   * The same prompt with a neutral question in place of this one (see server/ask/neutralBaseline.ts): after the
   * prefill, the engine measures the neutral question's attention per key block the same way, so the overlay can
   * show what this question read more than any question at that place would. Ignored without questionFrom.
   */
  baseline?: { prompt: number[]; questionFrom: number; questionTo: number };
  /**
   * After the answer, measure the attention its own tokens gave each key block (the answer's tokens are evaluated
   * once more over the cached prompt, one prefill step, with their rows measured as the question's are), so the
   * overlay can show what the answer drew on. Ignored without questionFrom.
   */
  measureAnswer?: boolean;
  /** Keep and reuse the KV cache of the previous prompt's common prefix (default true). */
  reusePrefix?: boolean;
}

export interface EvalLogitsRequest {
  type: 'evalLogits';
  id: number;
  tokens: number[];
  /** Positions whose logits are returned. */
  positions: number[];
  attention?: AttentionOptions;
}

export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type HostToEngine = LoadRequest | FactsRequest | GenerateRequest | EvalLogitsRequest | CancelRequest;

export interface GenerateResult {
  text: string;
  tokens: number[];
  promptTokens: number;
  reusedTokens: number;
  prefillMs: number;
  ttftMs: number;
  decodeMs: number;
  decodeTokens: number;
  stopReason: 'eos' | 'stop' | 'length' | 'cancelled' | 'context';
  attention?: AttentionReport;
}

export interface EvalLogitsResult {
  positions: number[];
  logits: number[][];
  density: number;
}

/** The addon as the engine process found it: its facts, or why it did not load. */
export type NativeFacts = (DeviceFacts & { loaded: true }) | { loaded: false; error: string };

export type EngineToHost =
  | { type: 'ready'; id: number; info: Record<string, unknown>; backend: Device; device: DeviceChoice }
  | { type: 'facts'; id: number; facts: NativeFacts }
  | { type: 'progress'; id: number; phase: 'prefill'; done: number; total: number }
  | { type: 'token'; id: number; token: number; text: string }
  | { type: 'done'; id: number; result: GenerateResult | EvalLogitsResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
