/**
 * The one declaration of the extension's settings. package.json's `contributes.configuration` is generated
 * from this list (`npm run write:contributes` writes it; a unit test fails when they drift) and the typed reader
 * in ./readSettings.ts reads exactly these keys, so the three cannot disagree. The attention defaults come from
 * ../attentionOptions.ts, which the CLI and the engine use too.
 *
 * This file must stay free of `vscode` imports: the language server and the unit tests load it in plain Node.
 */
import {
  ATTENTION_MODES, BLOCK_SIZES, DEFAULT_ATTENTION, AUTO_CONTEXT_BUDGET, DEFAULT_CONTEXT_BUDGET_TOKENS, DEFAULT_DEVICE, DEFAULT_GPU_CONTEXT_BUDGET_TOKENS, DEFAULT_MAX_NEW_TOKENS,
  DEVICE_SETTINGS, TAU_RANGE,
} from '../attentionOptions';

interface SettingBase {
  /** Key below the `unisparse.` section. */
  key: string;
  description: string;
}
export interface StringSetting extends SettingBase { type: 'string'; default: string; enum?: string[]; enumDescriptions?: string[] }
export interface NumberSetting extends SettingBase { type: 'number' | 'integer'; default: number; minimum?: number; maximum?: number; enum?: number[] }
export interface BooleanSetting extends SettingBase { type: 'boolean'; default: boolean }
export interface StringArraySetting extends SettingBase { type: 'array'; default: string[] }
export type SettingDefinition = StringSetting | NumberSetting | BooleanSetting | StringArraySetting;

export const SETTINGS_SECTION = 'unisparse';

export const SETTINGS = [
  {
    key: 'model.path', type: 'string', default: '',
    description: 'Path to the model: a GGUF file or a Hugging Face safetensors folder (config.json + *.safetensors + ' +
      'tokenizer.json). Empty uses the default SmolLM2-135M-Instruct in ~/.cache/unisparse/models ' +
      '(`npx unisparse fetch-model` downloads it).',
  },
  {
    key: 'device', type: 'string', default: DEFAULT_DEVICE, enum: [...DEVICE_SETTINGS],
    enumDescriptions: ['CUDA when the addon was built with it and a GPU is present, else the CPU.', 'Always the CPU.',
      'The NVIDIA GPU (needs the addon built with nvcc).'],
    description: 'Where the model runs.',
  },
  {
    key: 'attention', type: 'string', default: DEFAULT_ATTENTION.mode, enum: [...ATTENTION_MODES],
    enumDescriptions: ['Block-sparse prefill chosen by UniSparse (faster on long contexts).', 'Full attention (the reference).'],
    description: 'Attention used for the prompt prefill.',
  },
  {
    key: 'tau', type: 'number', default: DEFAULT_ATTENTION.tau, minimum: TAU_RANGE.min, maximum: TAU_RANGE.max,
    description: 'UniSparse keeps key blocks per query block until their estimated attention share reaches tau (1 keeps all). ' +
      `The default ${DEFAULT_ATTENTION.tau} keeps the next-token prediction of a dense prefill on >= 99% of positions of real source at 8K tokens (SmolLM2); 0.985 is about 20% less attention work at 8K and flips 1.5-2.5% of the predictions.`,
  },
  {
    key: 'blockSize', type: 'integer', default: DEFAULT_ATTENTION.blockSize, enum: [...BLOCK_SIZES],
    description: 'Tokens per attention block for UniSparse selection.',
  },
  {
    key: 'contextBudgetTokens', type: 'integer', default: AUTO_CONTEXT_BUDGET, minimum: 0, maximum: 131072,
    description: `Tokens of repository context packed into each prompt (at most the model's context length). ` +
      `0 picks by device: ${DEFAULT_CONTEXT_BUDGET_TOKENS} on the CPU, ${DEFAULT_GPU_CONTEXT_BUDGET_TOKENS} on the GPU.`,
  },
  {
    key: 'maxNewTokens', type: 'integer', default: DEFAULT_MAX_NEW_TOKENS, minimum: 1, maximum: 8192,
    description: 'Longest answer, in tokens.',
  },
  {
    key: 'exclude', type: 'array', default: ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/build/**', '**/*.min.js'],
    description: 'Glob patterns of files the index leaves out (in addition to .gitignore).',
  },
  {
    key: 'remote.url', type: 'string', default: '',
    description: 'An OpenAI-compatible endpoint that answers instead of the local model, e.g. `http://gpu-box:8080/v1` ' +
      '(a team\'s `unisparse serve`, or vLLM / SGLang / llama.cpp\'s server). Indexing and packing stay local. Its API key ' +
      'is kept in VS Code\'s secret storage: run **UniSparse: Set Remote API Key**. Empty uses the local model.',
  },
  {
    key: 'remote.model', type: 'string', default: '',
    description: 'Model id to ask the remote endpoint for; empty takes the first model it lists.',
  },
  {
    key: 'overlays.enabled', type: 'boolean', default: true,
    description: 'Colour the code blocks the sparse attention selected for the last answer (heat by score).',
  },
  {
    key: 'codeLens.enabled', type: 'boolean', default: true,
    description: 'Show an "Explain" code lens above functions, methods and classes.',
  },
] as const satisfies readonly SettingDefinition[];

/** The `contributes.configuration` object of package.json, as generated from SETTINGS. */
export function manifestConfiguration(): { title: string; properties: Record<string, Record<string, unknown>> } {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const s of SETTINGS as readonly SettingDefinition[]) {
    const { key, ...rest } = s;
    const entry: Record<string, unknown> = { type: rest.type, default: rest.default };
    if (rest.type === 'array') entry.items = { type: 'string' };
    for (const k of ['enum', 'enumDescriptions', 'minimum', 'maximum'] as const) {
      const v = (rest as Record<string, unknown>)[k];
      if (v !== undefined) entry[k] = v;
    }
    entry.markdownDescription = rest.description;
    properties[`${SETTINGS_SECTION}.${key}`] = entry;
  }
  return { title: 'UniSparse Code', properties };
}
