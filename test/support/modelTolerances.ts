// Stated tolerances for runtime logits vs the float64 reference (max |a-b| / max |b| over all logits).
// The reference already uses the exact stored weights, so these bound only the runtime's arithmetic.
import { GgmlTypeName } from './ggmlTypes';

export const LOGITS_TOLERANCE: Record<GgmlTypeName, number> = {
  F32: 1e-4,   // the bound for f32 weights, f32 accumulation
  F16: 1e-3,   // allows activations rounded to f16 inside dot products
  BF16: 1e-2,  // allows activations rounded to bf16 (8-bit mantissa)
  // Q8_0/Q4_0/Q4_1: the runtime (like llama.cpp) rounds activations to 8 bits per block of 32 for its
  // integer dot products. On these random 2-layer models that alone moves logits by 2-4% of the largest
  // logit (measured by simulating it in the reference), so the bound against the exact reference is loose
  // and Q8_ACTIVATION_CHECK below pins the arithmetic down tightly.
  Q8_0: 6e-2,
  Q4_0: 6e-2,
  Q4_1: 6e-2,
  // K-quants: the bound allows the same 8-bit activation rounding (llama.cpp's q8_K) if the runtime adopts it.
  Q4_K: 3e-2,
  Q6_K: 3e-2,
};

/**
 * Against a reference that simulates the 8-bit activation rounding, nearly every logits row must agree to
 * f32 precision. Not all: an activation that lands within ~1e-7 of a rounding boundary can round the other
 * way in f32 than in float64, which shifts that row (and, through the KV cache, later rows) by up to ~1%.
 */
export const Q8_ACTIVATION_CHECK = { rowTolerance: 1e-4, minShareOfRows: 0.75, maxAnyRow: 2e-2 };
export const Q8_ACTIVATION_TYPES: GgmlTypeName[] = ['Q8_0', 'Q4_0', 'Q4_1'];
