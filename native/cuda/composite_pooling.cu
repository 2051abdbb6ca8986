// Average pooling into composite tokens. One CTA per (block, output head); one thread per (finest composite,
// 8 dims), reading its tokens with 16-byte loads, so a block's rows are read once, coalesced, and all at the same
// time (a thread per dim pair walking the block's tokens one by one left the pooling latency-bound: 100 ms of a
// 128K prefill). The finest sums (c = blockSize / max granularity tokens, over the group's heads) go to shared
// memory and every granularity is summed from them in token order, as the CPU sums them.
// Empty composites (no present token) are written as zeros; the estimate masks them by position, never by value.
#include "composite_pooling.h"
#include "cuda_check.h"

#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kMaxFine = 64, kMaxDim = 128;

__global__ void compositePool(PoolParams p) {
  __shared__ float fineSum[kMaxFine * kMaxDim];
  __shared__ int fineCount[kMaxFine];
  const int block = p.firstBlock + blockIdx.x;
  const int outHead = p.outHeadBegin + blockIdx.y;
  const int D = p.headDim, chunks = D / 8;
  int gMax = 0;
  for (int i = 0; i < p.nGranularities; ++i) gMax = max(gMax, p.granularity[i]);
  const int cFine = p.blockSize / gMax;
  const int64_t headStride = p.srcHeadStride ? p.srcHeadStride : int64_t(p.posHi - p.posLo) * D;
  for (int t = threadIdx.x; t < gMax * chunks; t += blockDim.x) {
    const int fine = t / chunks, d = (t % chunks) * 8;
    const int start = block * p.blockSize + fine * cFine;
    const int from = max(start, p.posLo), to = min(start + cFine, p.posHi);
    float acc[8] = {};
    for (int h = 0; h < p.groupHeads; ++h) {
      const __nv_bfloat16* base = p.src + (int64_t)(outHead * p.groupHeads + h) * headStride + d;
      #pragma unroll 4
      for (int pos = from; pos < to; ++pos) {
        const uint4 raw = *reinterpret_cast<const uint4*>(base + (int64_t)(pos - p.posLo) * D);
        const __nv_bfloat162* x = reinterpret_cast<const __nv_bfloat162*>(&raw);
        #pragma unroll
        for (int e = 0; e < 4; ++e) {
          const float2 f = __bfloat1622float2(x[e]);
          acc[2 * e] += f.x;
          acc[2 * e + 1] += f.y;
        }
      }
    }
    #pragma unroll
    for (int e = 0; e < 8; ++e) fineSum[fine * D + d + e] = acc[e];
    if (d == 0) fineCount[fine] = max(to - from, 0) * p.groupHeads;
  }
  __syncthreads();
  for (int i = 0; i < p.nGranularities; ++i) {
    const int g = p.granularity[i], ratio = gMax / g;
    for (int t = threadIdx.x; t < g * (D / 2); t += blockDim.x) {
      const int composite = t / (D / 2), d = (t % (D / 2)) * 2;
      float sx = 0.f, sy = 0.f;
      int count = 0;
      for (int f = composite * ratio; f < (composite + 1) * ratio; ++f) {
        sx += fineSum[f * D + d];
        sy += fineSum[f * D + d + 1];
        count += fineCount[f];
      }
      const float inv = count > 0 ? 1.f / float(count) : 0.f;
      sx *= inv;
      sy *= inv;
      const __nv_bfloat162 hi = __floats2bfloat162_rn(sx, sy);
      const float2 hf = __bfloat1622float2(hi);
      const int64_t o = ((int64_t)blockIdx.y * p.nBlocks * g + (int64_t)blockIdx.x * g + composite) * D + d;
      *reinterpret_cast<__nv_bfloat162*>(p.hi[i] + o) = hi;
      *reinterpret_cast<__nv_bfloat162*>(p.lo[i] + o) = __floats2bfloat162_rn(sx - hf.x, sy - hf.y);
    }
  }
}

}  // namespace

void launchCompositePool(const PoolParams& p, cudaStream_t stream) {
  if (p.nBlocks <= 0 || p.outHeads <= 0 || p.nGranularities <= 0) return;
  int gMax = 0;
  for (int i = 0; i < p.nGranularities; ++i) gMax = gMax > p.granularity[i] ? gMax : p.granularity[i];
  if (gMax > kMaxFine || p.headDim > kMaxDim || p.headDim % 8)
    throw std::runtime_error("composite pooling: granularity " + std::to_string(gMax) + " / head dim " +
                             std::to_string(p.headDim) + " beyond the kernel's 64 / 128.");
  const int threads = ((gMax * (p.headDim / 8) + 31) / 32) * 32;
  dim3 grid(p.nBlocks, p.outHeads);
  compositePool<<<grid, threads < 128 ? 128 : threads, 0, stream>>>(p);
  checkLaunch("the composite-token pooling kernel");
}

}  // namespace unisparse::cuda
