/**
 * The options of one question's attention and their defaults, for every place that needs them: the settings
 * schema, the CLI flags, the ask pipeline, the engine process and the model. Each default is written here once;
 * test/unit/common/nativeDefaults.test.ts fails when the C++ defaults stop agreeing with these.
 *
 * This module imports nothing, so the client, the language server and the engine process can all load it.
 */

export type AttentionMode = 'unisparse' | 'dense';
/** Where the model runs. */
export type Device = 'cpu' | 'cuda';
/** What a user may ask for: a device, or `auto` (see ./deviceChoice.ts). */
export type DeviceSetting = 'auto' | Device;

export interface AttentionOptions {
  mode: AttentionMode;
  /** UniSparse keeps key blocks per query block until their estimated share of attention reaches tau. */
  tau: number;
  /** Tokens per query/key block. */
  blockSize: number;
}

export const ATTENTION_MODES: readonly AttentionMode[] = ['unisparse', 'dense'];
export const DEVICE_SETTINGS: readonly DeviceSetting[] = ['auto', 'cpu', 'cuda'];
export const BLOCK_SIZES: readonly number[] = [64, 128];
/** Below 0.5 a row keeps about half its estimated mass and answers degrade; 1 keeps every causal block. */
export const TAU_RANGE = { min: 0.5, max: 1 } as const;

/**
 * tau 0.995 (with the native last-block check at recall 0.99) keeps the next-token top-1 of a dense prefill on >= 99%
 * of positions of real source at 8K tokens with SmolLM2-135M and 64-token blocks (README, "Top-1 agreement");
 * 0.985 already keeps every layer's attention recall >= 0.95 but flips 1.5-2.5% of the predictions.
 */
export const DEFAULT_ATTENTION: Readonly<AttentionOptions> = { mode: 'unisparse', tau: 0.995, blockSize: 64 };
export const DEFAULT_DEVICE: DeviceSetting = 'auto';
/** Tokens of repository context per prompt: with the answer and the prompt frame it fits SmolLM2's 8192 window. */
export const DEFAULT_CONTEXT_BUDGET_TOKENS = 4096;
/** On the GPU the context is prefilled in tens of milliseconds per 8K tokens, so the default packs far more. */
export const DEFAULT_GPU_CONTEXT_BUDGET_TOKENS = 30000;
/** The editor setting's value that means "pick the budget by the device that runs the model". */
export const AUTO_CONTEXT_BUDGET = 0;
export const DEFAULT_MAX_NEW_TOKENS = 256;

/** Attention options with the defaults filled in, or an error that names the bad value and the allowed ones. */
export function attentionOptions(given: Partial<AttentionOptions> = {}): AttentionOptions {
  const mode = given.mode ?? DEFAULT_ATTENTION.mode;
  const tau = given.tau ?? DEFAULT_ATTENTION.tau;
  const blockSize = given.blockSize ?? DEFAULT_ATTENTION.blockSize;
  if (!ATTENTION_MODES.includes(mode)) {
    throw new Error(`The attention mode '${String(mode)}' is not known; use ${ATTENTION_MODES.join(' or ')}.`);
  }
  if (typeof tau !== 'number' || !(tau >= TAU_RANGE.min && tau <= TAU_RANGE.max)) {
    throw new Error(`tau is ${String(tau)}; use a number from ${TAU_RANGE.min} to ${TAU_RANGE.max} (default ${DEFAULT_ATTENTION.tau}).`);
  }
  if (!BLOCK_SIZES.includes(blockSize)) {
    throw new Error(`The block size ${String(blockSize)} is not supported; use ${BLOCK_SIZES.join(' or ')} (default ${DEFAULT_ATTENTION.blockSize}).`);
  }
  return { mode, tau, blockSize };
}

export function isDeviceSetting(v: unknown): v is DeviceSetting {
  return typeof v === 'string' && (DEVICE_SETTINGS as readonly string[]).includes(v);
}

/** The context budget when none is given (the CLI without --budget, the editor setting at AUTO_CONTEXT_BUDGET). */
export function defaultContextBudget(device: Device): number {
  return device === 'cuda' ? DEFAULT_GPU_CONTEXT_BUDGET_TOKENS : DEFAULT_CONTEXT_BUDGET_TOKENS;
}
