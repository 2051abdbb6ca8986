/** The CLI's attention and device flags: declared from common/attentionOptions.ts, read through its validation. */
import {
  ATTENTION_MODES, AttentionMode, attentionOptions, AttentionOptions, BLOCK_SIZES, DEFAULT_ATTENTION, DEFAULT_DEVICE, DEVICE_SETTINGS,
  DeviceSetting,
} from '../../common/attentionOptions';
import { FlagSpec, ParsedArgs, UsageError } from './args';

export const deviceFlag: FlagSpec = {
  type: 'string', choices: [...DEVICE_SETTINGS],
  description: `where the model runs; auto: CUDA when the addon has it and a GPU is visible, else the CPU (default ${DEFAULT_DEVICE})`,
};
export const tauFlag: FlagSpec = {
  type: 'number', valueName: 'T',
  description: `UniSparse: share of estimated attention mass to keep per block row (default ${DEFAULT_ATTENTION.tau})`,
};
export const blockFlag: FlagSpec = {
  type: 'number', valueName: 'S',
  description: `UniSparse block size in tokens: ${BLOCK_SIZES.join(' or ')} (default ${DEFAULT_ATTENTION.blockSize})`,
};
/** `--attention`; eval-logits and generate default to dense, the reference their users compare against. */
export function attentionFlag(defaultMode: AttentionMode = DEFAULT_ATTENTION.mode): FlagSpec {
  return { type: 'string', choices: [...ATTENTION_MODES], description: `prefill attention (default ${defaultMode})` };
}

/** --attention, --tau and --block-size, with the defaults filled in; a bad value is a usage error of `command`. */
export function attentionFromFlags(args: ParsedArgs, command: string, defaultMode: AttentionMode = DEFAULT_ATTENTION.mode): AttentionOptions {
  const f = args.flags;
  try {
    return attentionOptions({
      mode: (f.attention as AttentionMode | undefined) ?? defaultMode,
      tau: f.tau as number | undefined,
      blockSize: f['block-size'] as number | undefined,
    });
  } catch (e) {
    throw new UsageError((e as Error).message, command);
  }
}

export function deviceFromFlags(args: ParsedArgs): DeviceSetting {
  return (args.flags.device as DeviceSetting | undefined) ?? DEFAULT_DEVICE;
}
