// Token embedding lookup: rows of the bf16 table into the fp32 residual stream.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

// tokens: [n] device ids (already checked against the vocabulary); table: [vocab, hidden]; x: [n, hidden].
void launchEmbedding(const int32_t* tokens, const __nv_bfloat16* table, float* x, int n, int hidden,
                     cudaStream_t stream);

}  // namespace unisparse::cuda
