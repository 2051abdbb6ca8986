/**
 * An OpenAI-compatible HTTP API over the local engine (`unisparse serve`), so a team can share one GPU box
 * and other tools can talk to it: GET /v1/models, POST /v1/chat/completions and POST /v1/completions, with
 * `stream: true` as server-sent events. Requests run one at a time in the engine process (it queues them);
 * a client that disconnects cancels its generation.
 */
import * as http from 'http';
import * as path from 'path';
import { EngineHost } from '../engine/host/engineHost';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import { renderChat, ChatMessage } from '../tokenizer/chatTemplate';
import type { GenerateResult } from '../engine/engineMessages';
import { DEFAULT_TAU, DEFAULT_BLOCK_SIZE } from '../engine/attentionDefaults';

export interface ServeOptions {
  engine: EngineHost;
  tokenizer: TextTokenizer;
  modelPath: string;
  attention: 'unisparse' | 'dense';
  /** Longest answer when a request gives no max_tokens. */
  defaultMaxTokens?: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly param?: string) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit = 8 << 20): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) { reject(new HttpError(413, `The request body is larger than ${limit} bytes.`)); req.destroy(); return; }
      parts.push(d);
    });
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
        resolve(body as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'The request body must be a JSON object.'));
      }
    });
    req.on('error', reject);
  });
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
  if (Array.isArray(s) && s.every((x) => typeof x === 'string')) return s as string[];
  throw new HttpError(400, 'stop must be a string or an array of strings.', 'stop');
}

function chatMessages(body: Record<string, unknown>): ChatMessage[] {
  const m = body.messages;
  if (!Array.isArray(m) || m.length === 0) throw new HttpError(400, 'messages must be a non-empty array of {role, content}.', 'messages');
  return m.map((x, i) => {
    const role = (x as { role?: unknown }).role;
    const content = (x as { content?: unknown }).content;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new HttpError(400, `messages[${i}].role must be system, user or assistant.`, 'messages');
    if (typeof content !== 'string') throw new HttpError(400, `messages[${i}].content must be a string.`, 'messages');
    return { role, content };
  });
}

const finishReason = (r: GenerateResult): string => (r.stopReason === 'length' || r.stopReason === 'context' ? 'length' : 'stop');

export function createOpenAiServer(opts: ServeOptions): http.Server {
  const modelId = path.basename(opts.modelPath);
  let counter = 0;

  async function complete(req: http.IncomingMessage, res: http.ServerResponse, chat: boolean): Promise<void> {
    const body = await readBody(req);
    const promptText = chat
      ? renderChat(opts.tokenizer.chatTemplate, chatMessages(body), { addGenerationPrompt: true, bosToken: opts.tokenizer.bos !== undefined ? opts.tokenizer.decode([opts.tokenizer.bos]) : '' })
      : typeof body.prompt === 'string' ? body.prompt : (() => { throw new HttpError(400, 'prompt must be a string.', 'prompt'); })();
    const prompt = opts.tokenizer.encode(promptText, { addSpecial: !chat });
    const maxTokens = num(body, 'max_tokens', 1, 1 << 20) ?? num(body, 'max_completion_tokens', 1, 1 << 20) ?? opts.defaultMaxTokens ?? 512;
    const stream = body.stream === true;
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${Date.now().toString(36)}${(counter++).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const controller = new AbortController();
    // The client went away before the answer finished: stop generating for nobody.
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    const chunk = (delta: string | null, finish: string | null) => chat
      ? { id, object: 'chat.completion.chunk', created, model: modelId, choices: [{ index: 0, delta: delta === null ? {} : { content: delta }, finish_reason: finish }] }
      : { id, object: 'text_completion', created, model: modelId, choices: [{ index: 0, text: delta ?? '', finish_reason: finish }] };
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      if (chat) res.write(`data: ${JSON.stringify({ ...chunk(null, null), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`);
    }
    const result = await opts.engine.generate({
      prompt,
      maxNewTokens: Math.floor(maxTokens),
      sampler: {
        temperature: num(body, 'temperature', 0, 2) ?? 1,
        topP: num(body, 'top_p', 0.0001, 1),
        seed: num(body, 'seed', 0, 2 ** 32),
        repetitionPenalty: num(body, 'repetition_penalty', 0.5, 2),
      },
      stopStrings: stopList(body),
      attention: { mode: opts.attention, tau: DEFAULT_TAU, blockSize: DEFAULT_BLOCK_SIZE },
    }, { signal: controller.signal, onToken: (text) => { if (stream && text) res.write(`data: ${JSON.stringify(chunk(text, null))}\n\n`); } });
    const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.decodeTokens, total_tokens: result.promptTokens + result.decodeTokens };
    if (stream) {
      res.write(`data: ${JSON.stringify({ ...chunk(null, finishReason(result)), usage })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: result.text }, finish_reason: finishReason(result) }
      : { index: 0, text: result.text, finish_reason: finishReason(result) };
    sendJson(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created, model: modelId, choices: [choice], usage });
  }

  return http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    const route = `${req.method} ${url}`;
    const run = async () => {
      if (route === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', created: 0, owned_by: 'unisparse' }] });
      if (route === 'POST /v1/chat/completions') return complete(req, res, true);
      if (route === 'POST /v1/completions') return complete(req, res, false);
      throw new HttpError(404, `No route ${route}. Use GET /v1/models, POST /v1/chat/completions or POST /v1/completions.`);
    };
    run().catch((e: Error) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (res.headersSent) { res.end(); return; }
      sendJson(res, status, { error: { message: e.message, type: status < 500 ? 'invalid_request_error' : 'server_error', param: (e as HttpError).param ?? null, code: null } });
    });
  });
}
