/**
 * The shape of the native model runtime as the engine process (and the CLI's in-process eval-logits) uses it,
 * and the one place that loads the addon. The addon path is computed at run time so that esbuild
 * leaves it alone: it must resolve to the project's native/ folder, not into the bundle.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { AttentionMode, AttentionOptions, Device } from '../../../common/attentionOptions';
import type { DeviceFacts } from '../../../common/deviceChoice';
import type { AttentionReport } from '../attentionReport';
import { projectRoot } from '../../projectRoot';

export interface ModelInfo {
  architecture: string;
  format: 'gguf' | 'safetensors';
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  hiddenSize: number;
  vocabSize: number;
  contextLength: number;
  ropeTheta: number;
  tiedEmbeddings: boolean;
  weightTypes: Record<string, number>;
  /** Where the model runs ('cuda': weights, KV cache and every layer on the GPU). */
  device?: 'cpu' | 'cuda';
  /** KV cache capacity in tokens; on the GPU fitted to free memory (deviceNote says when it was reduced). */
  capacity?: number;
  /** Tokens the runtime prefills at a time: its GPU chunk, or on the CPU 256 per four threads (up to 1024). */
  prefillChunk?: number;
  deviceNote?: string;
  /** GPU memory held at load (weights + KV cache + scratch) and the weights' share, in bytes. */
  deviceBytes?: number;
  deviceWeightBytes?: number;
}

export type LogitsSelection = 'last' | 'all' | 'none' | number[];

export interface NativeModel {
  readonly info: ModelInfo;
  readonly position: number;
  metadata(key: string): unknown;
  eval(tokens: Int32Array | number[], opts?: { logits?: LogitsSelection }): Float32Array;
  evalAsync(tokens: Int32Array | number[], opts?: { logits?: LogitsSelection }): Promise<Float32Array>;
  truncate(n: number): void;
  reset(): void;
  setAttention(opts: AttentionOptions & { maxBlocks?: number }): void;
  lastAttention(): AttentionReport | undefined;
  /** Rows at positions [from, to) (to -1: no end), in the following evals, measure their attention per key block (from -1 stops). */
  setQuestionRows(from: number, to?: number): void;
  dispose(): void;
}

export interface ModelOptions {
  /** 'cuda' runs the model on the GPU (a CUDA build of the addon); default 'cpu'. */
  device?: Device;
  threads?: number;
  attention?: AttentionMode;
  tau?: number;
  blockSize?: number;
  maxContext?: number;
  /** UniSparse per-row budget of key blocks (0 = none). */
  maxBlocks?: number;
  /** A block taken with at least this estimated share keeps its neighbours too (default 0.05; 0 = off). */
  neighbourShare?: number;
  /** The last-block check widens a kv head whose estimate holds less than this of the exact mass (default 0.99). */
  checkRecall?: number;
  /** Copy sources kept per query (default 4; 0 = off) and the tokens they match on (1-3, default 3). */
  copyRecent?: number;
  copyNgram?: number;
  /** CPU only: fp32 matmuls instead of the 8-bit integer kernels, for accuracy measurements (slower). */
  exactMatmul?: boolean;
}

export interface NativeAddon {
  backend: Device;
  /** Whether a GPU the CUDA kernels can use is visible now (always unusable in a CPU-only build). */
  gpuStatus?: () => { usable: boolean; reason: string };
  Model?: new (path: string, opts?: ModelOptions) => NativeModel;
}

let addon: NativeAddon | undefined;

/** Loads the addon once; throws the loader's actionable message when it is not built. */
export function loadNativeAddon(): NativeAddon {
  if (!addon) {
    const loaderPath = path.join(projectRoot(), 'native');
    // A computed path keeps esbuild from bundling the loader (it must find the .node next to itself).
    const dynamicRequire = require;
    addon = dynamicRequire(loaderPath) as NativeAddon;
  }
  return addon;
}

/** What the device choice (common/deviceChoice.ts) needs to know about this process's addon and GPU. */
export function deviceFacts(addon: NativeAddon): DeviceFacts {
  if (typeof addon.gpuStatus !== 'function') return { backend: addon.backend, gpu: { usable: false, reason: 'an addon too old to report its GPU (rebuild it)' } };
  return { backend: addon.backend, gpu: addon.gpuStatus() };
}

/** Opens a model with the native runtime; errors name the file and say what to do. */
export function openNativeModel(modelPath: string, opts: ModelOptions): NativeModel {
  const native = loadNativeAddon();
  if (typeof native.Model !== 'function') {
    throw new Error('The native addon was built without the model runtime (it exports no Model). Run `npm run build:native` in the project folder after updating it.');
  }
  if (!fs.existsSync(modelPath)) {
    throw new Error(`${modelPath}: the model file does not exist. Run \`unisparse fetch-model\`, or point --model (or the unisparse.model setting) at a .gguf file or model directory.`);
  }
  return new native.Model(modelPath, opts);
}
