// Composite tokens: the mean of c consecutive tokens (and, for queries, of the query heads of a KV group).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

struct PoolParams {
  const __nv_bfloat16* src;  // [srcHeads, seqSrc, headDim]; row r is absolute position posLo + r
  int srcHeads = 0, headDim = 0;
  int groupHeads = 1;        // source heads pooled into one output head (heads / kvHeads for queries)
  int outHeadBegin = 0, outHeads = 0;  // output heads [outHeadBegin, outHeadBegin + outHeads)
  int posLo = 0, posHi = 0;  // present positions [posLo, posHi)
  int tokensPerComposite = 1;  // c = blockSize / granularity
  int firstComposite = 0, nComposite = 0;  // composites [first, first + n), composite i covers [i*c, i*c + c)
  // Output [outHeads, nComposite, headDim]: hi = bf16(mean), lo = bf16(mean - hi) so hi + lo keeps ~16 bits.
  __nv_bfloat16* hi = nullptr;
  __nv_bfloat16* lo = nullptr;
};

void launchCompositePool(const PoolParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
