/** `unisparse ask`: the language server's ask pipeline, headless. Streams the answer, or prints one JSON object. */
import * as path from 'path';
import { ParsedArgs, UsageError } from './args';
import { runAsk } from '../ask/askPipeline';
import { ProgressLine } from './progressLine';
import { modelForCli } from './cliModel';
import { existingFolder } from './cliPaths';
import { attentionFromFlags, deviceFromFlags } from './attentionFlags';
import type { RemoteEndpoint } from '../engine/remote/openAiClient';

/** --remote URL with its key (flag or UNISPARSE_REMOTE_API_KEY) and model, or undefined for the local engine. */
function remoteEndpoint(f: ParsedArgs['flags']): RemoteEndpoint | undefined {
  if (typeof f.remote !== 'string') return undefined;
  let url: URL;
  try { url = new URL(f.remote); } catch { throw new UsageError(`--remote must be a URL such as http://gpu-box:8080/v1, got '${f.remote}'`, 'ask'); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--remote must be an http(s) URL, got '${f.remote}'`, 'ask');
  return { url: f.remote, apiKey: (f['remote-key'] as string | undefined) ?? (process.env.UNISPARSE_REMOTE_API_KEY || undefined), model: f['remote-model'] as string | undefined };
}

function parseLines(spec: string | undefined): { startLine: number; endLine: number } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) throw new UsageError(`--lines must look like 10-40, got '${spec}'`, 'ask');
  const a = parseInt(m[1], 10);
  const b = m[2] ? parseInt(m[2], 10) : a;
  return { startLine: Math.min(a, b), endLine: Math.max(a, b) };
}

export async function askCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  const f = args.flags;
  const question = args.positionals[0];
  if (!question.trim()) throw new UsageError("'ask' needs a non-empty question", 'ask');
  const repo = existingFolder(f.repo, 'ask');
  const remote = remoteEndpoint(f);
  if (remote && typeof f.model === 'string') throw new UsageError('--model and --remote exclude each other (the remote endpoint picks its model; use --remote-model)', 'ask');
  if (typeof f.model === 'string') await modelForCli('ask', f.model);   // a missing --model is a usage mistake, as in generate
  const selection = parseLines(f.lines as string | undefined);
  if (selection && typeof f.file !== 'string') throw new UsageError('--lines needs --file', 'ask');
  const rel = (p: unknown) => (typeof p === 'string' ? path.relative(repo, path.resolve(p)).split(path.sep).join('/') : undefined);
  const focusPath = rel(f.focus);
  const focus = focusPath === undefined ? undefined : /\.[A-Za-z0-9]+$/.test(focusPath) ? { file: focusPath } : { folder: focusPath };
  const progress = new ProgressLine();
  let streaming = false;
  const result = await runAsk({
    repo,
    question,
    mode: f.mode as 'ask' | 'explain' | 'analyze' | undefined,
    activeFile: rel(f.file),
    selection,
    focus,
    model: f.model as string | undefined,
    device: deviceFromFlags(args),
    attention: attentionFromFlags(args, 'ask'),
    budgetTokens: f.budget as number | undefined,
    maxNewTokens: f['max-tokens'] as number | undefined,
    cacheDir: f['no-cache'] ? null : undefined,
    secretFiles: f['include-secret-files'] ? [] : undefined,
    fetchModel: true,
    remote,
    signal,
    log: (line) => { progress.clear(); process.stderr.write(line + '\n'); },
    onDelta: (d) => {
      if (d.phase === 'indexing') progress.update(`indexing ${Math.round((d.progress ?? 0) * 100)}%`);
      else if (d.phase === 'packing') progress.update('packing context');
      else if (d.phase === 'prefill') progress.update(`prefill ${Math.round((d.progress ?? 0) * 100)}%`);
      else if (d.phase === 'decode') progress.clear();
      if (d.text && !f.json) {
        streaming = true;
        process.stdout.write(d.text);
      }
    },
  });
  progress.clear();
  if (f.json) {
    process.stdout.write(JSON.stringify({ answer: result.answer, citations: result.citations, selectedBlocks: result.selection.blocks, stats: result.stats }) + '\n');
    return;
  }
  if (streaming) process.stdout.write('\n');
  if (result.citations.length) {
    process.stdout.write('\nCitations:\n');
    for (const c of result.citations) process.stdout.write(`  ${c.file}:${c.startLine}${c.endLine !== c.startLine ? `-${c.endLine}` : ''}\n`);
  }
  if (result.selection.blocks.length) {
    process.stdout.write('\nBlocks the sparse attention selected:\n');
    for (const b of result.selection.blocks.slice(0, 6)) process.stdout.write(`  ${b.file}:${b.startLine}-${b.endLine}  (${b.score.toFixed(2)})\n`);
  }
  if (result.stats.remote && !result.stats.remote.overlays) {
    process.stderr.write(`unisparse: ${result.stats.remote.url} sent no attention data, so no blocks are listed (a unisparse serve endpoint sends them).\n`);
  }
  const s = result.stats;
  process.stderr.write(`unisparse: ${s.contextTokens} context tokens, density ${s.density.toFixed(3)}, first token after ${s.ttftMs} ms, ` +
    `${s.decodeTokensPerS.toFixed(1)} tokens/s` + (s.omittedChunks ? `, ${s.omittedChunks} chunks did not fit the budget` : '') + '\n');
}
