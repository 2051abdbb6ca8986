/**
 * The shape of the native model runtime (contract A, engineer MODEL) as the engine process uses it,
 * and the one place that loads the addon. The addon path is computed at run time so that esbuild
 * leaves it alone: it must resolve to the project's native/ folder, not into the bundle.
 */
import * as fs from 'fs';
import * as path from 'path';

export type AttentionMode = 'dense' | 'unisparse';

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
  deviceNote?: string;
  /** GPU memory held at load (weights + KV cache + scratch) and the weights' share, in bytes. */
  deviceBytes?: number;
  deviceWeightBytes?: number;
}

export interface LastAttention {
  mode: AttentionMode;
  density: number;
  blockSize: number;
  nBlocks: number;
  keyBlockScore: Float32Array;
  heatmap?: { layer: number; head: number; nBlocks: number; mask: Uint8Array };
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
  setAttention(opts: { mode: AttentionMode; tau?: number; blockSize?: number; maxBlocks?: number }): void;
  lastAttention(): LastAttention | undefined;
  dispose(): void;
}

export interface ModelOptions {
  /** 'cuda' runs the model on the GPU (a CUDA build of the addon); default 'cpu'. */
  device?: 'cpu' | 'cuda';
  threads?: number;
  attention?: AttentionMode;
  tau?: number;
  blockSize?: number;
  maxContext?: number;
  /** UniSparse per-row budget of key blocks (0 = none). */
  maxBlocks?: number;
}

export interface NativeAddon {
  backend: 'cpu' | 'cuda';
  /** Whether a GPU the CUDA kernels can use is visible now (always unusable in a CPU-only build). */
  gpuStatus?: () => { usable: boolean; reason: string };
  Model?: new (path: string, opts?: ModelOptions) => NativeModel;
}

/** The project root: the nearest folder above this file that holds native/index.js. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'native', 'index.js'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..', '..');
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

/** 'cuda' where no GPU is usable runs on the CPU, and `warn` gets one line saying so. */
export function usableDevice(requested: 'cpu' | 'cuda' | undefined, warn: (line: string) => void): 'cpu' | 'cuda' {
  if (requested !== 'cuda') return 'cpu';
  const addon = loadNativeAddon();
  const status = addon.backend === 'cuda' && addon.gpuStatus
    ? addon.gpuStatus()
    : { usable: false, reason: 'this build of the native addon has no CUDA support (nvcc was not found when it was built)' };
  if (status.usable) return 'cuda';
  warn(`--device cuda: no usable GPU (${status.reason}); running on the CPU.`);
  return 'cpu';
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
