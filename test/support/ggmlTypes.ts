// ggml tensor types used by the GGUF writer and the reference: ids, block sizes and bytes per block,
// as ggml.h defines them (the ids are part of the GGUF file format).

export type GgmlTypeName = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0' | 'Q4_1' | 'Q4_K' | 'Q6_K';

export interface GgmlTypeInfo { id: number; blockElements: number; blockBytes: number }

export const GGML_TYPES: Record<GgmlTypeName, GgmlTypeInfo> = {
  F32: { id: 0, blockElements: 1, blockBytes: 4 },
  F16: { id: 1, blockElements: 1, blockBytes: 2 },
  Q4_0: { id: 2, blockElements: 32, blockBytes: 18 },
  Q4_1: { id: 3, blockElements: 32, blockBytes: 20 },
  Q8_0: { id: 8, blockElements: 32, blockBytes: 34 },
  Q4_K: { id: 12, blockElements: 256, blockBytes: 144 },
  Q6_K: { id: 14, blockElements: 256, blockBytes: 210 },
  BF16: { id: 30, blockElements: 1, blockBytes: 2 },
};

/** Bytes a tensor of `elements` values takes in `type` (rows must be whole blocks). */
export function ggmlByteSize(type: GgmlTypeName, elements: number): number {
  const t = GGML_TYPES[type];
  if (elements % t.blockElements !== 0) {
    throw new Error(`${elements} elements is not a whole number of ${type} blocks of ${t.blockElements}`);
  }
  return (elements / t.blockElements) * t.blockBytes;
}
