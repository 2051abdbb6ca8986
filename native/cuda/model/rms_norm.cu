// One CTA per token row; the sum of squares in fp32 (a row of a few thousand values of O(1) loses nothing that
// bf16 output would keep).
#include "rms_norm.h"
#include "../cuda_check.h"

namespace unisparse::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void rmsNormKernel(const float* __restrict__ x, int64_t xStride, const float* __restrict__ w,
                              __nv_bfloat16* __restrict__ out, int hidden, float eps) {
  const float* row = x + int64_t(blockIdx.x) * xStride;
  float ss = 0.f;
  for (int i = threadIdx.x; i < hidden; i += kThreads) ss += row[i] * row[i];
  __shared__ float partial[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
  __syncthreads();
  float total = 0.f;
  #pragma unroll
  for (int i = 0; i < kThreads / 32; ++i) total += partial[i];
  const float inv = rsqrtf(total / float(hidden) + eps);
  __nv_bfloat16* dst = out + int64_t(blockIdx.x) * hidden;
  for (int i = threadIdx.x; i < hidden; i += kThreads) dst[i] = __float2bfloat16_rn(row[i] * inv * w[i]);
}

}  // namespace

void launchRmsNorm(const float* x, int64_t xStride, const float* weight, __nv_bfloat16* out, int rows, int hidden,
                   float eps, cudaStream_t stream) {
  if (rows <= 0) return;
  rmsNormKernel<<<rows, kThreads, 0, stream>>>(x, xStride, weight, out, hidden, eps);
  checkLaunch("the RMSNorm kernel");
}

}  // namespace unisparse::cuda
