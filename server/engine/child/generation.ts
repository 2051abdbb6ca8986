/**
 * The prefill + decode loop of one request, run inside the engine process. It reuses the KV cache of
 * the longest common prefix with the previous prompt, prefills the rest in chunks (each an async call,
 * so a cancel message is seen between chunks), then decodes token by token with the sampler.
 */
import type { NativeModel } from './nativeModel';
import type { TextTokenizer } from '../../tokenizer/tokenizer';
import type { AttentionReport } from '../attentionReport';
import type { GenerateRequest, GenerateResult, EvalLogitsRequest, EvalLogitsResult } from '../engineMessages';
import { Sampler } from './sampler';
import { StreamingDecoder } from '../../tokenizer/streamingDecoder';
import { paragraphEnded } from './paragraphEnd';

export interface EngineSession {
  model: NativeModel;
  tokenizer?: TextTokenizer;
  /** Exactly the tokens whose keys/values sit in the model's KV cache, in order. */
  cachedTokens: number[];
  /**
   * The attention settings those keys/values were computed with: deeper layers' K/V depend on the earlier
   * layers' (sparse or dense) attention, so a cache made under other settings is not reused.
   */
  cachedAttention?: string;
  /** Where the model runs; the GPU takes long prefill steps. */
  device?: 'cpu' | 'cuda';
}

export interface GenerationHooks {
  isCancelled(): boolean;
  onPrefillProgress(done: number, total: number): void;
  onToken(token: number, text: string): void;
}

// On the CPU, prefill steps are the runtime's own chunks (model.info.prefillChunk: 256 tokens per four threads, up
// to 1024), about a second each at 4K context on two cores or on sixteen, so a cancel lands quickly and each step's
// plan is the one a single long eval would make. DEFAULT_PREFILL_CHUNK is for a runtime that does not say.
export const DEFAULT_PREFILL_CHUNK = 256;
// On the GPU an 8192-token step takes tens of milliseconds, and the attention plan of a long step sees more of the
// context at once.
export const GPU_PREFILL_CHUNK = 8192;

function commonPrefixLength(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Splits `count` tokens into prefill steps of at most `chunk`, with the short step FIRST: the final
 * step then always holds the last `chunk` tokens (the question), whose attention scores we report.
 */
export function prefillSteps(count: number, chunk: number): number[] {
  const steps: number[] = [];
  const first = count % chunk;
  if (first > 0) steps.push(first);
  for (let i = first; i < count; i += chunk) steps.push(chunk);
  return steps;
}

/** The model's context, or the KV cache's capacity when that is smaller (the GPU fits it to free memory). */
function contextLimit(model: NativeModel): number {
  const context = model.info.contextLength > 0 ? model.info.contextLength : Number.MAX_SAFE_INTEGER;
  return model.info.capacity && model.info.capacity > 0 ? Math.min(context, model.info.capacity) : context;
}

export async function runGeneration(session: EngineSession, req: GenerateRequest, hooks: GenerationHooks): Promise<GenerateResult> {
  const { model } = session;
  const tokenizer = session.tokenizer;
  if (!tokenizer) throw new Error('This model has no tokenizer, so it cannot generate text. Use a GGUF with a vocabulary or a model directory with tokenizer.json.');
  const started = Date.now();
  const prompt = req.prompt;
  if (prompt.length === 0) throw new Error('The prompt is empty: nothing to generate from.');
  const limit = contextLimit(model);
  if (prompt.length >= limit) {
    throw new Error(`The prompt has ${prompt.length} tokens but the model's context${model.info.capacity === limit ? ' (KV cache)' : ''} holds ${limit}. Lower the context budget (budgetTokens / --budget) or ask about a narrower focus.`);
  }
  model.setAttention(req.attention);
  const attentionKey = JSON.stringify([req.attention.mode, req.attention.tau, req.attention.blockSize]);
  if (session.cachedAttention !== attentionKey) session.cachedTokens.length = 0;
  session.cachedAttention = attentionKey;

  // Prefix reuse: keep the cached keys/values of the shared prefix, but always evaluate >= 1 token to get logits.
  let reuse = req.reusePrefix === false ? 0 : Math.min(commonPrefixLength(session.cachedTokens, prompt), prompt.length - 1);
  // The question's rows must be evaluated in this prefill for their attention to be measured.
  const questionFrom = req.questionFrom !== undefined && req.questionFrom >= 0 && req.questionFrom < prompt.length ? req.questionFrom : -1;
  if (questionFrom >= 0) reuse = Math.min(reuse, questionFrom);
  model.truncate(reuse);
  session.cachedTokens.length = reuse;

  const rest = prompt.slice(reuse);
  const defaultChunk = session.device === 'cuda' ? GPU_PREFILL_CHUNK : model.info.prefillChunk || DEFAULT_PREFILL_CHUNK;
  const steps = prefillSteps(rest.length, Math.max(16, req.prefillChunk ?? defaultChunk));
  let logits: Float32Array | undefined;
  let done = 0;
  let densityWeighted = 0;
  let attention: AttentionReport | undefined;
  model.setQuestionRows(questionFrom, questionFrom >= 0 && req.questionTo !== undefined && req.questionTo > questionFrom ? req.questionTo : -1);
  hooks.onPrefillProgress(0, rest.length);
  for (let s = 0; s < steps.length; s++) {
    if (hooks.isCancelled()) { model.setQuestionRows(-1); return cancelled(session, prompt.length, reuse, started); }
    const piece = rest.slice(done, done + steps[s]);
    const isLast = s === steps.length - 1;
    logits = await model.evalAsync(piece, { logits: isLast ? 'last' : 'none' });
    session.cachedTokens.push(...piece);
    done += piece.length;
    attention = model.lastAttention();
    densityWeighted += (attention?.density ?? 1) * piece.length;
    hooks.onPrefillProgress(done, rest.length);
  }
  model.setQuestionRows(-1);
  if (attention && questionFrom >= 0 && req.baseline) {
    const baselineMass = await measureBaseline(model, prompt, questionFrom, req.baseline, limit, hooks);
    if (baselineMass === 'cancelled') return cancelled(session, prompt.length, reuse, started);
    if (baselineMass) attention = { ...attention, baselineBlockMass: baselineMass.total, baselineLayerMass: baselineMass.perLayer };
  }
  const prefillMs = Date.now() - started;
  const density = rest.length > 0 ? densityWeighted / rest.length : 1;

  const sampler = new Sampler(req.sampler);
  const decoder = new StreamingDecoder(tokenizer, req.stopStrings ?? []);
  const eos = new Set([...tokenizer.eos, ...(req.stopTokens ?? [])]);
  const generated: number[] = [];
  const history = prompt.slice();
  let ttftMs = 0;
  let stopReason: GenerateResult['stopReason'] = 'length';
  const decodeStart = Date.now();
  while (generated.length < req.maxNewTokens) {
    if (hooks.isCancelled()) { stopReason = 'cancelled'; break; }
    const next = sampler.sample(logits!, history, prompt.length);
    if (generated.length === 0) ttftMs = Date.now() - started;
    if (eos.has(next)) { stopReason = 'eos'; break; }
    generated.push(next);
    history.push(next);
    const text = decoder.push(next);
    hooks.onToken(next, text);
    if (decoder.stopped || (req.stopAtParagraphEnd && paragraphEnded(decoder.text))) { stopReason = 'stop'; break; }
    if (generated.length >= req.maxNewTokens) break;
    if (model.position + 1 >= limit) { stopReason = 'context'; break; }
    logits = await model.evalAsync([next], { logits: 'last' });
    session.cachedTokens.push(next);
  }
  const tail = decoder.flush();
  if (tail) hooks.onToken(-1, tail);
  const decodeMs = Date.now() - decodeStart;
  if (attention && questionFrom >= 0 && req.measureAnswer && generated.length > 0 && stopReason !== 'cancelled' && !hooks.isCancelled()) {
    const answerMass = await measureAnswer(session, prompt.length, generated);
    if (answerMass) attention = { ...attention, answerBlockMass: answerMass };
  }
  return {
    text: decoder.text,
    tokens: generated,
    promptTokens: prompt.length,
    reusedTokens: reuse,
    prefillMs,
    ttftMs: ttftMs || Date.now() - started,
    decodeMs,
    decodeTokens: generated.length,
    stopReason,
    attention: attention && { ...attention, density },
  };
}

/** Longest stretch after the shared prefix that a baseline measurement evaluates (twice): a question, not a context. */
export const MAX_BASELINE_SUFFIX = 512;

/**
 * The neutral question's attention per key block: with the prompt's keys and values cached, the cache is cut back
 * to where the two prompts part (at the latest, where the question starts), the neutral prompt's rest is evaluated
 * with its question rows measured, then the cache is cut back again and the prompt's own rest evaluated again, so
 * decoding continues from exactly the prompt's tokens (the first answer token's logits are the prefill's own).
 * Skipped (undefined) where the prompts share too little for that to be cheap.
 */
async function measureBaseline(
  model: NativeModel, prompt: number[], questionFrom: number, baseline: NonNullable<GenerateRequest['baseline']>, limit: number,
  hooks: GenerationHooks,
): Promise<{ total: Float32Array; perLayer?: Float32Array } | undefined | 'cancelled'> {
  const shared = Math.min(commonPrefixLength(prompt, baseline.prompt), questionFrom, baseline.questionFrom);
  const valid = baseline.questionFrom >= 0 && baseline.questionTo > baseline.questionFrom && baseline.questionTo <= baseline.prompt.length;
  if (!valid || baseline.prompt.length >= limit || baseline.prompt.length - shared > MAX_BASELINE_SUFFIX || prompt.length - shared > MAX_BASELINE_SUFFIX) return undefined;
  if (hooks.isCancelled()) return 'cancelled';
  model.truncate(shared);
  model.setQuestionRows(baseline.questionFrom, baseline.questionTo);
  let mass: Float32Array | undefined;
  let perLayer: Float32Array | undefined;
  try {
    await model.evalAsync(baseline.prompt.slice(shared), { logits: 'none' });
    const report = model.lastAttention();
    mass = report?.questionBlockMass;
    perLayer = report?.questionLayerMass;
  } finally {
    model.setQuestionRows(-1);
    model.truncate(shared);
    await model.evalAsync(prompt.slice(shared), { logits: 'none' });
  }
  if (!mass || mass.length === 0) return undefined;
  return { total: Float32Array.from(mass), perLayer: perLayer?.length ? Float32Array.from(perLayer) : undefined };
}

/**
 * The answer's own attention per key block: the cache is cut back to the prompt's end and the answer's tokens are
 * evaluated again in one prefill step with their rows measured, as the question's are (decode steps run one token
 * at a time through the decode path, which measures nothing). The cache then holds the prompt and the whole answer,
 * as after decoding, so a follow-up reuses both.
 */
async function measureAnswer(session: EngineSession, promptLength: number, answer: number[]): Promise<Float32Array | undefined> {
  const { model } = session;
  model.truncate(promptLength);
  session.cachedTokens.length = promptLength;
  model.setQuestionRows(promptLength, promptLength + answer.length);
  try {
    await model.evalAsync(answer, { logits: 'none' });
    session.cachedTokens.push(...answer);
    const mass = model.lastAttention()?.questionBlockMass;
    return mass && mass.length > 0 ? Float32Array.from(mass) : undefined;
  } finally {
    model.setQuestionRows(-1);
  }
}

function cancelled(session: EngineSession, promptTokens: number, reuse: number, started: number): GenerateResult {
  return {
    text: '', tokens: [], promptTokens, reusedTokens: reuse, prefillMs: Date.now() - started, ttftMs: 0, decodeMs: 0,
    decodeTokens: 0, stopReason: 'cancelled',
  };
}

/** Logits of the given positions for a token sequence, from an empty KV cache. */
export async function runEvalLogits(session: EngineSession, req: EvalLogitsRequest): Promise<EvalLogitsResult> {
  const { model } = session;
  const vocab = model.info.vocabSize;
  for (const t of req.tokens) {
    if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new Error(`Token id ${t} is outside the model's vocabulary (0..${vocab - 1}).`);
  }
  for (const p of req.positions) {
    if (!Number.isInteger(p) || p < 0 || p >= req.tokens.length) throw new Error(`Position ${p} is outside the ${req.tokens.length} tokens given (0..${req.tokens.length - 1}).`);
  }
  if (req.tokens.length >= contextLimit(model)) throw new Error(`${req.tokens.length} tokens exceed the model's context of ${contextLimit(model)}.`);
  if (req.attention) model.setAttention(req.attention);
  model.reset();
  session.cachedTokens.length = 0;
  session.cachedAttention = JSON.stringify(req.attention ?? null);
  const flat = await model.evalAsync(req.tokens, { logits: req.positions });
  session.cachedTokens.push(...req.tokens);
  const logits: number[][] = [];
  for (let i = 0; i < req.positions.length; i++) logits.push(Array.from(flat.subarray(i * vocab, (i + 1) * vocab)));
  return { positions: req.positions, logits, density: model.lastAttention()?.density ?? 1 };
}
