#include "qkv_rope.h"
#include "../cuda_check.h"

namespace unisparse::cuda {
namespace {

__global__ void ropeTableKernel(const float* __restrict__ invFreq, int half, int start, int n, float* cosOut,
                                float* sinOut, const int* startDev) {
  if (startDev) start = *startDev;
  const int64_t total = int64_t(n) * half;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int t = int(i / half), f = int(i % half);
    double s, c;
    sincos(double(start + t) * double(invFreq[f]), &s, &c);
    cosOut[i] = float(c);
    sinOut[i] = float(s);
  }
}

// One CTA per token: every head of q and k rotated, v copied. Values in fp32 from bias add to the bf16 store.
__global__ void qkvRopeKernel(QkvRopeParams p) {
  const int t = blockIdx.x, D = p.headDim, half = p.ropeDim / 2;
  const int width = (p.heads + 2 * p.kvHeads) * D;
  const __nv_bfloat16* row = p.qkv + int64_t(t) * width;
  const float* c = p.cosTable + int64_t(t) * half;
  const float* s = p.sinTable + int64_t(t) * half;
  auto value = [&](int col) { return __bfloat162float(row[col]) + (p.bias ? p.bias[col] : 0.f); };
  const int64_t pos = (p.positionDev ? *p.positionDev : p.position) + t;
  // Rotated pairs (and the unrotated tail of each head when ropeDim < D) of q and k heads.
  const int rotHeads = p.heads + p.kvHeads;
  const int perHead = half + (D - p.ropeDim);
  for (int i = threadIdx.x; i < rotHeads * perHead; i += blockDim.x) {
    const int h = i / perHead, j = i % perHead;
    const int colBase = h * D;  // q heads then k heads, contiguous in the fused row
    __nv_bfloat16* dst = h < p.heads ? p.q + (int64_t(h) * p.T + t) * D
                                     : p.kCache + (int64_t(h - p.heads) * p.capacity + pos) * D;
    if (j < half) {
      const int a = p.adjacentPairs ? 2 * j : j, b = p.adjacentPairs ? 2 * j + 1 : j + half;
      const float x = value(colBase + a), y = value(colBase + b);
      dst[a] = __float2bfloat16_rn(x * c[j] - y * s[j]);
      dst[b] = __float2bfloat16_rn(x * s[j] + y * c[j]);
    } else {
      const int d = p.ropeDim + (j - half);
      dst[d] = __float2bfloat16_rn(value(colBase + d));
    }
  }
  const int vBase = (p.heads + p.kvHeads) * D;
  for (int i = threadIdx.x; i < p.kvHeads * D; i += blockDim.x) {
    const int h = i / D, d = i % D;
    p.vCache[(int64_t(h) * p.capacity + pos) * D + d] = __float2bfloat16_rn(value(vBase + i));
  }
}

}  // namespace

void launchRopeTable(const float* invFreq, int half, int start, int n, float* cosOut, float* sinOut,
                     cudaStream_t stream, const int* startDev) {
  const int64_t total = int64_t(n) * half;
  if (total <= 0) return;
  const int blocks = int((total + 255) / 256 < 4096 ? (total + 255) / 256 : 4096);
  ropeTableKernel<<<blocks, 256, 0, stream>>>(invFreq, half, start, n, cosOut, sinOut, startDev);
  checkLaunch("the RoPE table kernel");
}

void launchQkvRope(const QkvRopeParams& p, cudaStream_t stream) {
  if (p.T <= 0) return;
  qkvRopeKernel<<<p.T, 256, 0, stream>>>(p);
  checkLaunch("the QKV bias + RoPE kernel");
}

}  // namespace unisparse::cuda
