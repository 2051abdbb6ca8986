#include "head_layout.h"
#include "../cuda_check.h"

namespace unisparse::cuda {
namespace {

// One CTA per (token, head); 16-byte copies of one head's D values.
__global__ void headsToTokensKernel(const uint4* __restrict__ src, uint4* __restrict__ dst, int heads, int T,
                                    int vecPerRow) {
  const int t = blockIdx.x, h = blockIdx.y;
  for (int i = threadIdx.x; i < vecPerRow; i += blockDim.x)
    dst[(int64_t(t) * heads + h) * vecPerRow + i] = src[(int64_t(h) * T + t) * vecPerRow + i];
}

}  // namespace

void launchHeadsToTokens(const __nv_bfloat16* src, __nv_bfloat16* dst, int heads, int T, int D, cudaStream_t stream) {
  if (T <= 0) return;
  const int vec = D / 8;  // D is 64 or 128
  headsToTokensKernel<<<dim3(T, heads), 32, 0, stream>>>(reinterpret_cast<const uint4*>(src),
                                                          reinterpret_cast<uint4*>(dst), heads, T, vec);
  checkLaunch("the head layout kernel");
}

}  // namespace unisparse::cuda
