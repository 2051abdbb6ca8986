// Attention output from the kernels' head-major [heads, T, D] to the token-major [T, heads * D] the O projection
// multiplies.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

void launchHeadsToTokens(const __nv_bfloat16* src, __nv_bfloat16* dst, int heads, int T, int D, cudaStream_t stream);

}  // namespace unisparse::cuda
