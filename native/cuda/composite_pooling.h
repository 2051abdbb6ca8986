// Composite tokens: the mean of c consecutive tokens (and, for queries, of the query heads of a KV group),
// for every granularity of the estimate in one pass over the input.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

constexpr int kMaxGranularities = 4;

struct PoolParams {
  const __nv_bfloat16* src;  // [srcHeads, posHi - posLo, headDim]; row r is absolute position posLo + r
  int64_t srcHeadStride = 0; // elements between source heads; 0: (posHi - posLo) * headDim
  int headDim = 0;
  int groupHeads = 1;        // source heads pooled into one output head (heads / kvHeads for queries)
  int outHeadBegin = 0, outHeads = 0;  // output heads [outHeadBegin, outHeadBegin + outHeads)
  int posLo = 0, posHi = 0;  // present positions [posLo, posHi)
  int blockSize = 64;
  int firstBlock = 0, nBlocks = 0;     // blocks [firstBlock, firstBlock + nBlocks)
  int nGranularities = 0;
  int granularity[kMaxGranularities] = {};  // composites per block, powers of two dividing blockSize
  // Output per granularity i: [outHeads, nBlocks * granularity[i], headDim], composite j of block b at row
  // (b - firstBlock) * g + j; hi = bf16(mean), lo = bf16(mean - hi) so hi + lo keeps ~16 bits.
  __nv_bfloat16* hi[kMaxGranularities] = {};
  __nv_bfloat16* lo[kMaxGranularities] = {};
};

void launchCompositePool(const PoolParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
