/** `unisparse generate`: streams a completion or a chat answer from the engine process. */
import { ParsedArgs, UsageError } from './args';
import { modelForCli } from './cliModel';
import { EngineHost } from '../engine/host/engineHost';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { renderChat, ChatMessage } from '../tokenizer/chatTemplate';
import { attentionFromFlags, deviceFromFlags } from './attentionFlags';

export async function generateCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  const f = args.flags;
  if (typeof f.prompt !== 'string') throw new UsageError("'generate' needs --prompt TEXT", 'generate');
  const maxTokens = (f['max-tokens'] as number | undefined) ?? 128;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new UsageError(`--max-tokens must be a positive integer, got ${maxTokens}`, 'generate');
  const modelPath = await modelForCli('generate', f.model);
  const tokenizer = await loadTokenizer(modelPath);
  let text = f.prompt;
  if (f.chat) {
    const messages: ChatMessage[] = [];
    if (typeof f.system === 'string') messages.push({ role: 'system', content: f.system });
    messages.push({ role: 'user', content: f.prompt });
    text = renderChat(tokenizer.chatTemplate, messages, { addGenerationPrompt: true, bosToken: tokenizer.bos !== undefined ? tokenizer.decode([tokenizer.bos]) : '' });
  }
  const prompt = tokenizer.encode(text, { addSpecial: !f.chat });
  // Engine errors come back as the request's rejection (printed once by main); only warnings are logged here.
  const engine = new EngineHost({ log: (level, msg) => { if (level === 'warn') process.stderr.write(`unisparse: ${msg}\n`); } });
  const attention = attentionFromFlags(args, 'generate', 'dense');
  try {
    await engine.load({ modelPath, device: deviceFromFlags(args), threads: f.threads as number | undefined });
    const started = Date.now();
    const result = await engine.generate(
      {
        prompt,
        maxNewTokens: maxTokens,
        sampler: {
          temperature: (f.temperature as number | undefined) ?? 0,
          topK: f['top-k'] as number | undefined,
          topP: f['top-p'] as number | undefined,
          repetitionPenalty: f['repeat-penalty'] as number | undefined,
          seed: (f.seed as number | undefined) ?? 24301,
        },
        stopStrings: typeof f.stop === 'string' ? [f.stop] : [],
        attention,
      },
      { signal, onToken: (t) => { if (!f.json) process.stdout.write(t); } },
    );
    const stats = {
      promptTokens: result.promptTokens,
      generatedTokens: result.decodeTokens,
      ttftMs: result.ttftMs,
      decodeTokensPerS: result.decodeMs > 0 ? result.decodeTokens / (result.decodeMs / 1000) : 0,
      prefillTokensPerS: result.prefillMs > 0 ? result.promptTokens / (result.prefillMs / 1000) : 0,
      stopReason: result.stopReason,
      totalMs: Date.now() - started,
    };
    if (f.json) process.stdout.write(JSON.stringify({ text: result.text, tokens: result.tokens, stats }) + '\n');
    else {
      process.stdout.write('\n');
      process.stderr.write(`unisparse: ${stats.promptTokens} prompt tokens, ${stats.generatedTokens} generated (${stats.stopReason}), ` +
        `prefill ${stats.prefillTokensPerS.toFixed(1)} tok/s, decode ${stats.decodeTokensPerS.toFixed(1)} tok/s\n`);
    }
    if (result.stopReason === 'cancelled') {
      const e = new Error('generation stopped by the user; the text above is what was generated so far.');
      e.name = 'AbortError'; // exit code 130, like other interrupted commands
      throw e;
    }
  } finally {
    engine.dispose();
  }
}
