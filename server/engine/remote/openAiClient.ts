/**
 * A client for any OpenAI-compatible chat endpoint (a team's `unisparse serve`, vLLM, SGLang, llama.cpp's server):
 * lists the model, streams a chat completion, and picks up the `unisparse` extension field that our own `serve`
 * adds (the sparse attention's block scores and the prompt's token spans), from which the editor overlays are made.
 */
import type { ChatMessage } from '../../tokenizer/chatTemplate';
import type { AttentionReportJson } from '../attentionReport';

export interface RemoteEndpoint {
  /** Base URL up to and including /v1, e.g. http://gpu-box:8080/v1. */
  url: string;
  apiKey?: string;
  /** Model id to request; default: the first one the endpoint lists. */
  model?: string;
}

export interface RemoteModel { id: string; contextLength?: number }

/** The extension field of `unisparse serve`: what the sparse attention read, and the prompt's token spans. */
export interface RemoteSelection { attention?: AttentionReportJson; promptText: string; spans: number[] }

export interface RemoteChatResult {
  text: string;
  finishReason: string;
  promptTokens?: number;
  completionTokens?: number;
  /** Present only when the endpoint is a `unisparse serve`. */
  selection?: RemoteSelection;
}

function base(ep: RemoteEndpoint): string {
  return ep.url.replace(/\/+$/, '');
}

function headers(ep: RemoteEndpoint): Record<string, string> {
  return { 'content-type': 'application/json', ...(ep.apiKey ? { authorization: `Bearer ${ep.apiKey}` } : {}) };
}

async function failure(ep: RemoteEndpoint, r: Response): Promise<Error> {
  let detail = '';
  try {
    const body = await r.text();
    try { detail = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body; } catch { detail = body; }
  } catch { /* no body */ }
  const hint = r.status === 401 || r.status === 403 ? ' Check the API key (unisparse.remote.apiKey / UNISPARSE_REMOTE_API_KEY).' : '';
  return new Error(`${base(ep)}: HTTP ${r.status}${detail ? `: ${detail.slice(0, 300)}` : ''}.${hint}`);
}

async function request(ep: RemoteEndpoint, route: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base(ep)}${route}`, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${base(ep)}: cannot reach the endpoint (${cause?.code ?? cause?.message ?? (e as Error).message}). Check the URL and that the server runs.`);
  }
}

/** The model to use: the configured one, or the first the endpoint lists; with its context length when known. */
export async function remoteModel(ep: RemoteEndpoint, signal?: AbortSignal): Promise<RemoteModel> {
  const r = await request(ep, '/models', { headers: headers(ep), signal });
  if (!r.ok) throw await failure(ep, r);
  const body = await r.json() as { data?: Array<{ id: string; max_model_len?: number; context_length?: number }> };
  const models = body.data ?? [];
  const m = ep.model ? models.find((x) => x.id === ep.model) ?? { id: ep.model } : models[0];
  if (!m) throw new Error(`${base(ep)}: the endpoint lists no model.`);
  const ctx = (m as { max_model_len?: number }).max_model_len ?? (m as { context_length?: number }).context_length;
  return { id: m.id, contextLength: typeof ctx === 'number' && ctx > 0 ? ctx : undefined };
}

/** Streams one chat completion; `onToken` gets the text as it arrives. Errors sent inside the stream throw. */
export async function remoteChat(ep: RemoteEndpoint, model: string,
  req: { messages: ChatMessage[]; maxTokens: number; temperature?: number; stop?: string[]; question?: string },
  hooks: { signal?: AbortSignal; onToken?: (text: string) => void } = {}): Promise<RemoteChatResult> {
  const r = await request(ep, '/chat/completions', {
    method: 'POST',
    headers: headers(ep),
    signal: hooks.signal,
    body: JSON.stringify({
      model, messages: req.messages, max_tokens: req.maxTokens, temperature: req.temperature ?? 0, stream: true,
      ...(req.stop?.length ? { stop: req.stop.slice(0, 4) } : {}),
      // Ignored by other servers; `unisparse serve` answers with the selection (overlay data).
      // `question`: the words whose attention the overlay shows (the last place they occur in the prompt).
      unisparse: { selection: true, ...(req.question ? { question: req.question } : {}) },
    }),
  });
  if (!r.ok || !r.body) throw await failure(ep, r);
  const result: RemoteChatResult = { text: '', finishReason: 'stop' };
  const decoder = new TextDecoder();
  let buffered = '';
  let done = false;
  const handle = (event: string) => {
    const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) return;
    if (data === '[DONE]') { done = true; return; }
    let j: Record<string, unknown>;
    try { j = JSON.parse(data) as Record<string, unknown>; } catch { throw new Error(`${base(ep)}: the stream sent something that is not JSON: ${data.slice(0, 120)}`); }
    const err = j.error as { message?: string } | undefined;
    if (err) throw new Error(`${base(ep)}: the answer failed on the server: ${err.message ?? JSON.stringify(err)}`);
    const choice = (j.choices as Array<{ delta?: { content?: string }; finish_reason?: string | null }> | undefined)?.[0];
    const text = choice?.delta?.content;
    if (text) { result.text += text; hooks.onToken?.(text); }
    if (choice?.finish_reason) result.finishReason = choice.finish_reason;
    const usage = j.usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
    if (usage) { result.promptTokens = usage.prompt_tokens; result.completionTokens = usage.completion_tokens; }
    const ext = j.unisparse as RemoteSelection | undefined;
    if (ext && typeof ext.promptText === 'string' && Array.isArray(ext.spans)) result.selection = ext;
  };
  for await (const part of r.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(part, { stream: true });
    let cut: number;
    while ((cut = buffered.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffered.slice(0, cut);
      buffered = buffered.slice(cut).replace(/^\r?\n\r?\n/, '');
      handle(event);
    }
  }
  if (buffered.trim()) handle(buffered);
  if (!done && !result.text) throw new Error(`${base(ep)}: the stream ended without an answer or [DONE].`);
  return result;
}
