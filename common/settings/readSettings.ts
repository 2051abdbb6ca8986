/**
 * Typed reader for the settings declared in ./schema.ts. Values out of range or of the wrong type (a hand-edited
 * settings.json) fall back to the declared default, so a bad setting never reaches the server.
 */
import type { AttentionMode, DeviceSetting } from '../attentionOptions';
import { SETTINGS, SettingDefinition } from './schema';

export interface UniSparseSettings {
  modelPath: string;
  device: DeviceSetting;
  attention: AttentionMode;
  tau: number;
  blockSize: number;
  contextBudgetTokens: number;
  maxNewTokens: number;
  exclude: string[];
  /** OpenAI-compatible endpoint that answers instead of the local engine ('' = local). */
  remoteUrl: string;
  remoteModel: string;
  overlaysEnabled: boolean;
  codeLensEnabled: boolean;
}

/** Anything with VS Code's `WorkspaceConfiguration.get` shape (also a plain object in the unit tests). */
export interface ConfigurationSource { get<T>(key: string): T | undefined }

function definition(key: string): SettingDefinition {
  const d = (SETTINGS as readonly SettingDefinition[]).find((s) => s.key === key);
  if (!d) throw new Error(`unisparse: setting "${key}" is not declared in common/settings/schema.ts`);
  return d;
}

/** The value of one setting, checked against its declaration. */
export function validSetting(source: ConfigurationSource, key: string): unknown {
  const d = definition(key);
  const v = source.get<unknown>(key);
  switch (d.type) {
    case 'string':
      return typeof v === 'string' && (!d.enum || d.enum.includes(v)) ? v : d.default;
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return d.default;
      if (d.type === 'integer' && !Number.isInteger(v)) return d.default;
      if ((d.minimum !== undefined && v < d.minimum) || (d.maximum !== undefined && v > d.maximum)) return d.default;
      if (d.enum && !d.enum.includes(v)) return d.default;
      return v;
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : d.default;
    case 'array':
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : [...d.default];
  }
}

export function readSettings(source: ConfigurationSource): UniSparseSettings {
  const get = (key: string) => validSetting(source, key);
  return {
    modelPath: get('model.path') as string,
    device: get('device') as UniSparseSettings['device'],
    attention: get('attention') as UniSparseSettings['attention'],
    tau: get('tau') as number,
    blockSize: get('blockSize') as number,
    contextBudgetTokens: get('contextBudgetTokens') as number,
    maxNewTokens: get('maxNewTokens') as number,
    exclude: get('exclude') as string[],
    remoteUrl: (get('remote.url') as string).trim(),
    remoteModel: (get('remote.model') as string).trim(),
    overlaysEnabled: get('overlays.enabled') as boolean,
    codeLensEnabled: get('codeLens.enabled') as boolean,
  };
}
