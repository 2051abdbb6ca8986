// The surface of the native Model that the tests use, typed once here so test files stay
// short. Loading goes through the project's one addon loader.
import * as path from 'path';

export interface ModelInfo {
  architecture: string; format: 'gguf' | 'safetensors'; nLayers: number; nHeads: number; nKvHeads: number;
  headDim: number; hiddenSize: number; vocabSize: number; contextLength: number; ropeTheta: number;
  tiedEmbeddings: boolean; weightTypes: Record<string, number>;
}
export interface ModelOptions {
  threads?: number; attention?: 'dense' | 'unisparse'; tau?: number; blockSize?: number; maxContext?: number;
  captureLayers?: number[]; neighbourShare?: number; checkRecall?: number; copyRecent?: number; copyNgram?: number;
  exactMatmul?: boolean;
}
export interface NativeModel {
  readonly info: ModelInfo;
  readonly position: number;
  metadata(key: string): string | number | boolean | unknown[] | undefined;
  eval(tokens: Int32Array | number[], opts?: { logits?: 'last' | 'all' | 'none' | number[] }): Float32Array;
  evalAsync(tokens: Int32Array | number[], opts?: { logits?: 'last' | 'all' | 'none' | number[] }): Promise<Float32Array>;
  truncate(n: number): void;
  reset(): void;
  dispose(): void;
}
export type ModelConstructor = new (path: string, opts?: ModelOptions) => NativeModel;

/** The addon's Model class; throws a sentence naming what is missing when the runtime is not built. */
export function loadModelClass(): ModelConstructor {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const addon = require(path.join(__dirname, '..', '..', 'native'));
  if (typeof addon.Model !== 'function') {
    throw new Error('native addon has no Model class: build the model runtime with `npm run build:native`');
  }
  return addon.Model as ModelConstructor;
}
