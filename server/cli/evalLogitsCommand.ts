/** `unisparse eval-logits`: logits of chosen positions for given token ids, in-process (no tokenizer needed). */
import * as fs from 'fs';
import { ParsedArgs, UsageError } from './args';
import { modelForCli } from './cliModel';
import { chooseDevice } from '../../common/deviceChoice';
import { openNativeModel, loadNativeAddon, deviceFacts } from '../engine/child/nativeModel';
import { runEvalLogits } from '../engine/child/generation';
import { attentionFromFlags, deviceFromFlags } from './attentionFlags';

function readTokens(file: string): number[] {
  if (!fs.existsSync(file)) throw new UsageError(`--tokens ${file}: no such file`, 'eval-logits');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`--tokens ${file}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--tokens ${file}: not valid JSON (${(e as Error).message})`, 'eval-logits');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((t) => Number.isInteger(t) && t >= 0)) {
    throw new UsageError(`--tokens ${file}: expected a non-empty JSON array of token ids (non-negative integers)`, 'eval-logits');
  }
  return parsed as number[];
}

export function parsePositions(spec: string | undefined, count: number): number[] {
  if (spec === undefined) return [count - 1];
  if (spec === 'all') return Array.from({ length: count }, (_, i) => i);
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const p = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(p)) throw new UsageError(`--positions: '${part}' is not an integer position`, 'eval-logits');
    const at = p < 0 ? count + p : p; // -1 is the last token, as in Python
    if (at < 0 || at >= count) throw new UsageError(`--positions: ${p} is outside the ${count} tokens (0..${count - 1})`, 'eval-logits');
    out.push(at);
  }
  return out;
}

export async function evalLogitsCommand(args: ParsedArgs): Promise<void> {
  const f = args.flags;
  const modelPath = await modelForCli('eval-logits', f.model, { required: true });
  if (typeof f.tokens !== 'string') throw new UsageError("'eval-logits' needs --tokens FILE.json", 'eval-logits');
  const tokens = readTokens(f.tokens);
  const positions = parsePositions(f.positions as string | undefined, tokens.length);
  const attention = attentionFromFlags(args, 'eval-logits', 'dense');
  const choice = chooseDevice(deviceFromFlags(args), deviceFacts(loadNativeAddon()));
  if (choice.warning) process.stderr.write(choice.warning + '\n');
  const model = openNativeModel(modelPath, { device: choice.device, threads: f.threads as number | undefined, attention: attention.mode, tau: attention.tau, blockSize: attention.blockSize });
  try {
    const result = await runEvalLogits({ model, cachedTokens: [] }, { type: 'evalLogits', id: 0, tokens, positions, attention });
    process.stdout.write(JSON.stringify({ positions: result.positions, logits: result.logits, density: result.density }) + '\n');
  } finally {
    model.dispose();
  }
}
