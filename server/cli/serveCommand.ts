/** `unisparse serve`: the local engine behind an OpenAI-compatible HTTP API (see openAiServer.ts). */
import { ParsedArgs, UsageError } from './args';
import { modelForCli } from './cliModel';
import { EngineHost } from '../engine/host/engineHost';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { TokenizerThread } from '../tokenizer/tokenizerThread';
import { createOpenAiServer, DEFAULT_MAX_QUEUED, ServeTokenizer } from './openAiServer';
import { API_KEY_ENV, isLoopback } from './serveAccess';
import { attentionFromFlags, deviceFromFlags } from './attentionFlags';

/** Prompts up to this many characters are tokenized on the server's own thread (a few milliseconds at most). */
const INLINE_TOKENIZE_CHARS = 4096;

export async function serveCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  const f = args.flags;
  const port = (f.port as number | undefined) ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in 0..65535, got ${port}`, 'serve');
  const host = (f.host as string | undefined) ?? '127.0.0.1';
  const apiKey = (f['api-key'] as string | undefined) ?? (process.env[API_KEY_ENV] || undefined);
  if (apiKey !== undefined && apiKey.trim().length < 8) throw new UsageError('the API key must have at least 8 characters', 'serve');
  if (!isLoopback(host) && !apiKey) {
    throw new UsageError(`--host ${host} shares the model on the network: set an API key with --api-key or the ${API_KEY_ENV} environment variable`, 'serve');
  }
  const maxQueued = (f['max-queue'] as number | undefined) ?? DEFAULT_MAX_QUEUED;
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new UsageError(`--max-queue must be a non-negative integer, got ${maxQueued}`, 'serve');
  const allowedOrigins = typeof f['allow-origin'] === 'string' ? (f['allow-origin'] as string).split(',').map((s) => s.trim()).filter(Boolean) : [];
  const modelPath = await modelForCli('serve', f.model);
  const tokenizer = await loadTokenizer(modelPath);
  const attention = attentionFromFlags(args, 'serve');
  const engine = new EngineHost({ log: (level, msg) => { if (level !== 'info') process.stderr.write(`unisparse: ${msg}\n`); } });
  const info = await engine.load({ modelPath, device: deviceFromFlags(args), threads: f.threads as number | undefined });
  const thread = new TokenizerThread(modelPath);
  let maxTokenChars = 1;
  for (let id = 0; id < tokenizer.vocabSize; id++) maxTokenChars = Math.max(maxTokenChars, tokenizer.tokenBytes(id).length);
  const serveTokenizer: ServeTokenizer = {
    chatTemplate: tokenizer.chatTemplate,
    bosText: tokenizer.bos !== undefined ? tokenizer.decode([tokenizer.bos]) : '',
    // Short prompts cost well under a millisecond here; long ones go to the worker so nobody waits behind them.
    encode: async (text, addSpecial) => (text.length <= INLINE_TOKENIZE_CHARS ? tokenizer.encode(text, { addSpecial }) : thread.encode(text, addSpecial)),
    encodeWithOffsets: async (text) => (text.length <= INLINE_TOKENIZE_CHARS ? tokenizer.encodeWithOffsets(text) : thread.encodeWithOffsets(text)),
    maxTokenChars,
  };
  const contextLength = typeof info.contextLength === 'number' && info.contextLength > 0 ? info.contextLength : 8192;
  const server = createOpenAiServer({
    engine, tokenizer: serveTokenizer, modelPath, attention, contextLength, maxQueued,
    access: { host, apiKey, allowedOrigins }, defaultMaxTokens: f['max-tokens'] as number | undefined,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; pick another with --port` : e.message)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  process.stderr.write(`unisparse: serving ${modelPath} on http://${host.includes(':') ? `[${host}]` : host}:${bound}/v1 (OpenAI-compatible; ` +
    `${apiKey ? 'API key required' : 'no API key: loopback only'}; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  server.close();
  server.closeAllConnections();
  thread.dispose();
  engine.dispose();
}
