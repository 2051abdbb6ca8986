/**
 * Messages between EngineHost (in the language server or CLI) and the engine child process, sent over
 * the Node IPC channel. Every request carries an id; the child answers with exactly one `done` or
 * `error` for it, after any number of `progress` / `token` messages.
 */
import type { AttentionMode } from './child/nativeModel';
import type { SamplerOptions } from './child/sampler';

export interface LoadRequest {
  type: 'load';
  id: number;
  modelPath: string;
  threads?: number;
  attention?: AttentionMode;
  tau?: number;
  blockSize?: number;
  maxContext?: number;
  device?: 'cpu' | 'cuda';
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
  attention?: { mode: AttentionMode; tau?: number; blockSize?: number };
  /** Tokens per prefill step; smaller reacts faster to cancellation, larger runs faster. */
  prefillChunk?: number;
  /** Keep and reuse the KV cache of the previous prompt's common prefix (default true). */
  reusePrefix?: boolean;
}

export interface EvalLogitsRequest {
  type: 'evalLogits';
  id: number;
  tokens: number[];
  /** Positions whose logits are returned. */
  positions: number[];
  attention?: { mode: AttentionMode; tau?: number; blockSize?: number };
}

export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type HostToEngine = LoadRequest | GenerateRequest | EvalLogitsRequest | CancelRequest;

export interface AttentionReport {
  mode: AttentionMode;
  density: number;
  blockSize: number;
  nBlocks: number;
  /** Per key block score of the prompt's final prefill step (the one holding the question). */
  keyBlockScore: number[];
  heatmap?: { layer: number; head: number; nBlocks: number; mask: number[] };
}

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

export type EngineToHost =
  | { type: 'ready'; id: number; info: Record<string, unknown>; backend: string }
  | { type: 'progress'; id: number; phase: 'prefill'; done: number; total: number }
  | { type: 'token'; id: number; token: number; text: string }
  | { type: 'done'; id: number; result: GenerateResult | EvalLogitsResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
