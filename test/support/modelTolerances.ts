// Stated tolerances for runtime logits vs the float64 reference (max |a-b| / max |b| over all logits).
// The reference already uses the exact stored weights, so these bound only the runtime's arithmetic.
import { GgmlTypeName } from './ggmlTypes';

export const LOGITS_TOLERANCE: Record<GgmlTypeName, number> = {
  F32: 1e-4,   // the bound: f32 weights, f32 accumulation
  F16: 1e-3,   // allows activations rounded to f16 inside dot products
  BF16: 1e-2,  // allows activations rounded to bf16 (8-bit mantissa)
  Q8_0: 3e-2,  // the quantized types allow llama.cpp-style 8-bit activation quantization in dot products
  Q4_0: 3e-2,
  Q4_1: 3e-2,
  Q4_K: 3e-2,
  Q6_K: 3e-2,
};
