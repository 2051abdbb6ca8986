/** `unisparse serve`: the local engine behind an OpenAI-compatible HTTP API (see openAiServer.ts). */
import { ParsedArgs, UsageError } from './args';
import { modelForCli } from './cliModel';
import { EngineHost } from '../engine/host/engineHost';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { createOpenAiServer } from './openAiServer';
import { DEFAULT_TAU, DEFAULT_BLOCK_SIZE } from '../engine/attentionDefaults';

export async function serveCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  const f = args.flags;
  const port = (f.port as number | undefined) ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in 0..65535, got ${port}`, 'serve');
  const host = (f.host as string | undefined) ?? '127.0.0.1';
  const modelPath = await modelForCli('serve', f.model);
  const tokenizer = await loadTokenizer(modelPath);
  const attention = (f.attention as 'unisparse' | 'dense' | undefined) ?? 'unisparse';
  const engine = new EngineHost({ log: (level, msg) => { if (level !== 'info') process.stderr.write(`unisparse: ${msg}\n`); } });
  await engine.load({ modelPath, device: f.device as 'cpu' | 'cuda' | undefined, attention, tau: DEFAULT_TAU, blockSize: DEFAULT_BLOCK_SIZE, threads: f.threads as number | undefined });
  const server = createOpenAiServer({ engine, tokenizer, modelPath, attention, defaultMaxTokens: f['max-tokens'] as number | undefined });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; pick another with --port` : e.message)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  process.stderr.write(`unisparse: serving ${modelPath} on http://${host}:${bound}/v1 (OpenAI-compatible; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  server.close();
  engine.dispose();
}
