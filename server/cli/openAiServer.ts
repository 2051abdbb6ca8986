/**
 * An OpenAI-compatible HTTP API over the local engine (`unisparse serve`), so a team can share one GPU box and
 * other tools can talk to it: GET /v1/models, POST /v1/chat/completions and POST /v1/completions (with
 * `stream: true` as server-sent events), GET /health and GET /metrics (Prometheus text).
 *
 * Fit for more than one user: access rules in serveAccess.ts (API key; Host and Origin checks on loopback),
 * JSON bodies only, bounded in size (requestBody.ts); prompts are tokenized on a worker thread and checked
 * against the model's context before the engine sees them; one generation runs at a time with a bounded queue
 * behind it (engineQueue.ts, 429 when full); a client that disconnects cancels its generation; a failure in
 * the middle of a stream is sent as an error event followed by `[DONE]`.
 *
 * Extension: a request with `"unisparse": {"selection": true}` also gets `unisparse: {attention, promptText,
 * spans}` back (the sparse attention's per-block scores and the prompt's token spans), from which a remote
 * client maps the blocks the model read to its own source lines (the editor overlays).
 */
import * as http from 'http';
import * as path from 'path';
import type { EngineHost } from '../engine/host/engineHost';
import { renderChat, ChatMessage } from '../tokenizer/chatTemplate';
import { firstTokenAtOrAfter } from '../ask/selectedBlocks';
import { BaselinePrompt, baselineFromTokens, neutralPromptText } from '../ask/neutralBaseline';
import type { AttentionOptions } from '../../common/attentionOptions';
import { attentionReportJson, AttentionReportJson } from '../engine/attentionReport';
import type { GenerateResult } from '../engine/engineMessages';
import { HttpError, errorBody } from './serveErrors';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody, requireJson } from './requestBody';
import { AccessPolicy, checkAccess, isLoopback } from './serveAccess';
import { EngineQueue, busy } from './engineQueue';
import { ServeMetrics } from './serveMetrics';

/** What the server needs of the tokenizer: chat template and special tokens here, encoding off-thread. */
export interface ServeTokenizer {
  chatTemplate?: string;
  bosText: string;
  encode(text: string, addSpecial: boolean): Promise<number[]>;
  encodeWithOffsets(text: string): Promise<{ ids: number[]; spans: Int32Array }>;
  /** The longest token in UTF-16 units: text longer than contextLength x this cannot fit, whatever it says. */
  maxTokenChars: number;
}

export interface ServeOptions {
  engine: Pick<EngineHost, 'generate'>;
  tokenizer: ServeTokenizer;
  modelPath: string;
  attention: AttentionOptions;
  /** The model's context window in tokens. */
  contextLength: number;
  access: AccessPolicy;
  /** Longest answer when a request gives no max_tokens. */
  defaultMaxTokens?: number;
  /** Requests allowed to wait behind the running one before 429 (default 64). */
  maxQueued?: number;
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_QUEUED = 64;

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function num(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new HttpError(400, `${key} must be a number in [${min}, ${max}].`, key);
  return v;
}

function stopList(body: Record<string, unknown>): string[] {
  const s = body.stop;
  if (s === undefined || s === null) return [];
  if (typeof s === 'string') return [s];
  if (Array.isArray(s) && s.length <= 16 && s.every((x) => typeof x === 'string')) return s as string[];
  throw new HttpError(400, 'stop must be a string or an array of at most 16 strings.', 'stop');
}

function chatMessages(body: Record<string, unknown>): ChatMessage[] {
  const m = body.messages;
  if (!Array.isArray(m) || m.length === 0) throw new HttpError(400, 'messages must be a non-empty array of {role, content}.', 'messages');
  return m.map((x: unknown, i) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new HttpError(400, `messages[${i}] must be an object {role, content}.`, 'messages');
    const { role, content } = x as { role?: unknown; content?: unknown };
    if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new HttpError(400, `messages[${i}].role must be system, user or assistant.`, 'messages');
    if (typeof content !== 'string') throw new HttpError(400, `messages[${i}].content must be a string.`, 'messages');
    return { role, content };
  });
}

/**
 * The prompt rows of `unisparse.question` (its last occurrence), whose exact attention per key block the engine then
 * measures for the overlay, as for a local answer; nothing when absent or not found.
 */
function questionRows(body: Record<string, unknown>, promptText: string, spans: Int32Array | undefined): { questionFrom?: number; questionTo?: number; at?: number; end?: number } {
  const q = (body.unisparse as { question?: unknown } | undefined)?.question;
  if (typeof q !== 'string' || !q || !spans) return {};
  const at = promptText.lastIndexOf(q);
  if (at < 0) return {};
  const from = firstTokenAtOrAfter(spans, at);
  return { questionFrom: from, questionTo: Math.max(from + 1, firstTokenAtOrAfter(spans, at + q.length)), at, end: at + q.length };
}

const finishReason = (r: GenerateResult): string => (r.stopReason === 'length' || r.stopReason === 'context' ? 'length' : 'stop');

/** The extension field: what the sparse attention read, with the prompt's token spans to map it back to text. */
export interface SelectionExtension { attention?: AttentionReportJson; promptText: string; spans: number[] }

export function createOpenAiServer(opts: ServeOptions): http.Server {
  const modelId = path.basename(opts.modelPath);
  const queue = new EngineQueue(opts.maxQueued ?? DEFAULT_MAX_QUEUED);
  const metrics = new ServeMetrics(() => ({ queued: queue.queued, running: queue.active }));
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let counter = 0;

  async function complete(req: http.IncomingMessage, res: http.ServerResponse, chat: boolean): Promise<void> {
    const started = performance.now();
    requireJson(req);
    const body = await readJsonBody(req, maxBody);
    if (queue.full()) throw busy(queue.maxQueued);
    const promptText = chat
      ? renderChat(opts.tokenizer.chatTemplate, chatMessages(body), { addGenerationPrompt: true, bosToken: opts.tokenizer.bosText })
      : typeof body.prompt === 'string' ? body.prompt : (() => { throw new HttpError(400, 'prompt must be a string.', 'prompt'); })();
    const maxTokens = Math.floor(num(body, 'max_tokens', 1, 1 << 20) ?? num(body, 'max_completion_tokens', 1, 1 << 20) ?? opts.defaultMaxTokens ?? 512);
    const sampler = {
      temperature: num(body, 'temperature', 0, 2) ?? 1,
      topP: num(body, 'top_p', 0.0001, 1),
      seed: num(body, 'seed', 0, 2 ** 32),
      repetitionPenalty: num(body, 'repetition_penalty', 0.5, 2),
    };
    const stopStrings = stopList(body);
    const wantsSelection = Boolean((body.unisparse as { selection?: unknown } | undefined)?.selection);
    const stream = body.stream === true;
    // Every token covers at least one character: a text this long cannot fit, so it is refused without tokenizing.
    const tooLong = (n: string) => new HttpError(400, `The prompt is ${n} tokens long, but the model's context holds ${opts.contextLength} tokens. Send a shorter prompt.`, chat ? 'messages' : 'prompt');
    if (promptText.length > opts.contextLength * opts.tokenizer.maxTokenChars) throw tooLong(`at least ${Math.ceil(promptText.length / opts.tokenizer.maxTokenChars)}`);

    const controller = new AbortController();
    // The client went away before the answer finished: stop generating (or waiting) for nobody.
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    let spans: Int32Array | undefined;
    let prompt: number[];
    if (wantsSelection || chat) {
      const enc = await opts.tokenizer.encodeWithOffsets(promptText);
      prompt = enc.ids; spans = enc.spans;
    } else {
      prompt = await opts.tokenizer.encode(promptText, true);
    }
    if (prompt.length >= opts.contextLength) throw tooLong(String(prompt.length));
    const { at: questionAt, end: questionEnd, ...question } = questionRows(body, promptText, spans);
    // The same prompt with a neutral question in its place: the overlay's baseline, as for a local answer.
    let baseline: BaselinePrompt | undefined;
    if (questionAt !== undefined && questionEnd !== undefined) {
      const neutral = await opts.tokenizer.encodeWithOffsets(neutralPromptText(promptText, questionAt, questionEnd));
      baseline = baselineFromTokens(neutral.ids, neutral.spans, questionAt);
    }
    const release = await queue.acquire(controller.signal);

    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${Date.now().toString(36)}${(counter++).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: string | null, finish: string | null) => chat
      ? { id, object: 'chat.completion.chunk', created, model: modelId, choices: [{ index: 0, delta: delta === null ? {} : { content: delta }, finish_reason: finish }] }
      : { id, object: 'text_completion', created, model: modelId, choices: [{ index: 0, text: delta ?? '', finish_reason: finish }] };
    const send = (event: unknown) => { if (!res.destroyed) res.write(`data: ${JSON.stringify(event)}\n\n`); };
    let firstToken = 0;
    try {
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        if (chat) send({ ...chunk(null, null), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      }
      let result: GenerateResult;
      try {
        result = await opts.engine.generate({
          prompt,
          maxNewTokens: maxTokens,
          sampler,
          stopStrings,
          attention: opts.attention,
          ...question,
          baseline,
        }, {
          signal: controller.signal,
          onToken: (text) => {
            if (!firstToken) { firstToken = performance.now(); metrics.ttft.observe((firstToken - started) / 1000); }
            if (stream && text) send(chunk(text, null));
          },
        });
      } catch (e) {
        if (!stream) throw e;
        // Headers are gone: the failure becomes an error event, and [DONE] tells the client the stream is over.
        send(errorBody(500, (e as Error).message));
        res.end('data: [DONE]\n\n');
        metrics.request(chat ? 'chat' : 'completions', 500);
        return;
      }
      metrics.tokens(result.promptTokens, result.decodeTokens);
      if (result.decodeTokens > 0) metrics.perToken.observe(result.decodeMs / 1000 / result.decodeTokens);
      const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.decodeTokens, total_tokens: result.promptTokens + result.decodeTokens };
      const extension = wantsSelection ? { unisparse: { attention: result.attention && attentionReportJson(result.attention), promptText, spans: Array.from(spans ?? []) } satisfies SelectionExtension } : {};
      if (stream) {
        send({ ...chunk(null, finishReason(result)), usage, ...extension });
        res.end('data: [DONE]\n\n');
      } else {
        const choice = chat
          ? { index: 0, message: { role: 'assistant', content: result.text }, finish_reason: finishReason(result) }
          : { index: 0, text: result.text, finish_reason: finishReason(result) };
        sendJson(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created, model: modelId, choices: [choice], usage, ...extension });
      }
      metrics.request(chat ? 'chat' : 'completions', 200);
      metrics.duration.observe((performance.now() - started) / 1000);
    } finally {
      release();
    }
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, route: string): Promise<void> => {
    if (req.method === 'OPTIONS') {
      // A CORS preflight: answered only for origins the access rules allow (no key is sent on a preflight).
      checkAccess(req, opts.access, false);
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (route === 'GET /health') {
      checkAccess(req, opts.access, false);
      return sendJson(res, 200, { status: 'ok', model: modelId, queued: queue.queued, running: queue.active });
    }
    checkAccess(req, opts.access);
    if (route === 'GET /metrics') {
      const text = metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (route === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', created: 0, owned_by: 'unisparse', max_model_len: opts.contextLength }] });
    if (route === 'POST /v1/chat/completions') return complete(req, res, true);
    if (route === 'POST /v1/completions') return complete(req, res, false);
    throw new HttpError(404, `No route ${route}. Use GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health or GET /metrics.`);
  };

  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    const route = `${req.method} ${url}`;
    const origin = req.headers.origin;
    // Browsers read responses only with this header; it is set for origins the access rules let through.
    if (origin && (opts.access.allowedOrigins?.includes(origin) || (isLoopback(opts.access.host) && safeLoopbackOrigin(origin)))) {
      res.setHeader('access-control-allow-origin', origin);
    }
    handle(req, res, route).catch((e: Error) => {
      const status = e instanceof HttpError ? e.status : e.name === 'AbortError' ? 499 : 500;
      if (route.endsWith('completions')) metrics.request(route.includes('chat') ? 'chat' : 'completions', status);
      if (res.headersSent || res.destroyed) { res.end(); return; }
      if (status === 499) { res.destroy(); return; }   // nobody is listening any more
      sendJson(res, status, errorBody(status, e.message, (e as HttpError).param), (e as HttpError).headers ?? {});
    });
  });
  // Large bodies arrive with "Expect: 100-continue": refuse an oversized one before the client sends it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) {
      sendJson(res, 413, errorBody(413, `The request body is larger than ${maxBody} bytes. Send a shorter prompt.`), { connection: 'close' });
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

function safeLoopbackOrigin(origin: string): boolean {
  try { return isLoopback(new URL(origin).hostname.replace(/^\[|\]$/g, '')); } catch { return false; }
}
