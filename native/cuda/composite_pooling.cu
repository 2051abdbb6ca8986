// Average pooling into composite tokens. One CTA per (block, output head); each thread owns two dims. The
// block's tokens are read once: sums over the finest composites (c = blockSize / max granularity tokens, over the
// group's heads) are accumulated into every coarser granularity, which is written when its last fine composite
// is done. Reading Q and K once for all granularities halved the pooling time at 128K (two granularities).
// Empty composites (no present token) are written as zeros; the estimate masks them by position, never by value.
#include "composite_pooling.h"
#include "cuda_check.h"

namespace unisparse::cuda {
namespace {

__device__ __forceinline__ void store(const PoolParams& p, int gi, int composite, int count, float sx, float sy, int d) {
  const float inv = count > 0 ? 1.f / float(count) : 0.f;
  sx *= inv;
  sy *= inv;
  const __nv_bfloat162 hi = __floats2bfloat162_rn(sx, sy);
  const float2 hf = __bfloat1622float2(hi);
  const int g = p.granularity[gi];
  const int64_t o = ((int64_t)blockIdx.y * p.nBlocks * g + composite) * p.headDim + d;
  *reinterpret_cast<__nv_bfloat162*>(p.hi[gi] + o) = hi;
  *reinterpret_cast<__nv_bfloat162*>(p.lo[gi] + o) = __floats2bfloat162_rn(sx - hf.x, sy - hf.y);
}

__global__ void compositePool(PoolParams p) {
  const int block = p.firstBlock + blockIdx.x;
  const int outHead = p.outHeadBegin + blockIdx.y;
  const int d = threadIdx.x * 2;
  int gMax = 0;
  for (int i = 0; i < p.nGranularities; ++i) gMax = max(gMax, p.granularity[i]);
  const int cFine = p.blockSize / gMax;
  float ax[kMaxGranularities] = {}, ay[kMaxGranularities] = {};
  int count[kMaxGranularities] = {};
  for (int j = 0; j < gMax; ++j) {
    const int start = block * p.blockSize + j * cFine;
    const int from = max(start, p.posLo), to = min(start + cFine, p.posHi);
    float sx = 0.f, sy = 0.f;
    for (int h = 0; h < p.groupHeads; ++h) {
      const __nv_bfloat16* base =
          p.src + ((int64_t)(outHead * p.groupHeads + h) * (p.posHi - p.posLo)) * p.headDim + d;
      for (int pos = from; pos < to; ++pos) {
        const float2 x = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(base + (int64_t)(pos - p.posLo) * p.headDim));
        sx += x.x;
        sy += x.y;
      }
    }
    const int n = max(to - from, 0) * p.groupHeads;
    #pragma unroll
    for (int i = 0; i < kMaxGranularities; ++i) {
      if (i >= p.nGranularities) break;
      ax[i] += sx;
      ay[i] += sy;
      count[i] += n;
      const int ratio = gMax / p.granularity[i];  // fine composites per composite of granularity i
      if ((j + 1) % ratio == 0) {
        store(p, i, blockIdx.x * p.granularity[i] + j / ratio, count[i], ax[i], ay[i], d);
        ax[i] = ay[i] = 0.f;
        count[i] = 0;
      }
    }
  }
}

}  // namespace

void launchCompositePool(const PoolParams& p, cudaStream_t stream) {
  if (p.nBlocks <= 0 || p.outHeads <= 0 || p.nGranularities <= 0) return;
  dim3 grid(p.nBlocks, p.outHeads);
  compositePool<<<grid, p.headDim / 2, 0, stream>>>(p);
  checkLaunch("the composite-token pooling kernel");
}

}  // namespace unisparse::cuda
