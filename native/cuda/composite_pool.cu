// Average pooling into composite tokens. A CTA pools kPerCta composites of one output head (threadIdx.y picks
// the composite; one composite per CTA made the launch of ~10^5 tiny CTAs the cost at 128K); each thread owns two
// dims and sums c tokens x groupHeads heads in fp32, so the input is read exactly once. Empty composites (no present
// token) are written as zeros; the estimate masks them by position, never by value.
#include "composite_pool.h"
#include "cuda_check.h"

namespace unisparse::cuda {
namespace {

constexpr int kPerCta = 8;

__global__ void compositePool(PoolParams p) {
  const int local = blockIdx.x * kPerCta + threadIdx.y;
  if (local >= p.nComposite) return;
  const int composite = p.firstComposite + local;
  const int outHead = p.outHeadBegin + blockIdx.y;
  const int d = threadIdx.x * 2;
  const int c = p.tokensPerComposite;
  const int from = max(composite * c, p.posLo), to = min(composite * c + c, p.posHi);
  float sx = 0.f, sy = 0.f;
  for (int h = 0; h < p.groupHeads; ++h) {
    const __nv_bfloat16* base = p.src + ((int64_t)(outHead * p.groupHeads + h) * (p.posHi - p.posLo)) * p.headDim + d;
    for (int pos = from; pos < to; ++pos) {
      const float2 x = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(base + (int64_t)(pos - p.posLo) * p.headDim));
      sx += x.x;
      sy += x.y;
    }
  }
  const int count = (to - from) * p.groupHeads;
  const float inv = count > 0 ? 1.f / float(count) : 0.f;
  sx *= inv;
  sy *= inv;
  const __nv_bfloat162 hi = __floats2bfloat162_rn(sx, sy);
  const float2 hf = __bfloat1622float2(hi);
  const int64_t o = ((int64_t)blockIdx.y * p.nComposite + local) * p.headDim + d;
  *reinterpret_cast<__nv_bfloat162*>(p.hi + o) = hi;
  *reinterpret_cast<__nv_bfloat162*>(p.lo + o) = __floats2bfloat162_rn(sx - hf.x, sy - hf.y);
}

}  // namespace

void launchCompositePool(const PoolParams& p, cudaStream_t stream) {
  if (p.nComposite <= 0 || p.outHeads <= 0) return;
  dim3 grid((p.nComposite + kPerCta - 1) / kPerCta, p.outHeads);
  compositePool<<<grid, dim3(p.headDim / 2, kPerCta), 0, stream>>>(p);
  checkLaunch("the composite-token pooling kernel");
}

}  // namespace unisparse::cuda
