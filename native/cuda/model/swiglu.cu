#include "swiglu.h"
#include "../cuda_check.h"

namespace unisparse::cuda {
namespace {

__global__ void swiGluKernel(const __nv_bfloat16* __restrict__ gateUp, __nv_bfloat16* __restrict__ act, int F,
                             int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / F, f = i - t * F;
    const float g = __bfloat162float(gateUp[t * 2 * F + f]);
    const float u = __bfloat162float(gateUp[t * 2 * F + F + f]);
    act[i] = __float2bfloat16_rn(g / (1.f + __expf(-g)) * u);
  }
}

}  // namespace

void launchSwiGlu(const __nv_bfloat16* gateUp, __nv_bfloat16* act, int T, int F, cudaStream_t stream) {
  const int64_t total = int64_t(T) * F;
  if (total <= 0) return;
  const int blocks = int((total + 255) / 256 < 65536 ? (total + 255) / 256 : 65536);
  swiGluKernel<<<blocks, 256, 0, stream>>>(gateUp, act, F, total);
  checkLaunch("the SwiGLU kernel");
}

}  // namespace unisparse::cuda
