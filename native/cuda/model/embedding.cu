#include "embedding.h"
#include "../cuda_check.h"

namespace unisparse::cuda {
namespace {

__global__ void embeddingKernel(const int32_t* __restrict__ tokens, const __nv_bfloat16* __restrict__ table,
                                float* __restrict__ x, int hidden) {
  const __nv_bfloat16* src = table + int64_t(tokens[blockIdx.x]) * hidden;
  float* dst = x + int64_t(blockIdx.x) * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = __bfloat162float(src[i]);
}

}  // namespace

void launchEmbedding(const int32_t* tokens, const __nv_bfloat16* table, float* x, int n, int hidden,
                     cudaStream_t stream) {
  if (n <= 0) return;
  embeddingKernel<<<n, 256, 0, stream>>>(tokens, table, x, hidden);
  checkLaunch("the embedding kernel");
}

}  // namespace unisparse::cuda
