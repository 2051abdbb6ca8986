// The mean of one block of cached keys, the summary sparse decode scores a block by. Shared by the kernel that
// refreshes the blocks a prefill chunk wrote (key_block_means.cu) and the decode selection, which refreshes the
// block its new token landed in before scoring (decode_block_select.cu), so both compute it the same way.
#pragma once
#include <cuda_bf16.h>
#include <cstdint>

namespace unisparse::cuda {

// Key blocks of sparse decode: the selection keeps or drops whole blocks of this many consecutive positions.
constexpr int kKeyBlock = 128;
// Every CTA that calls keyBlockMean has exactly this many threads.
constexpr int kKeyMeanThreads = 256;

// Blocks a cache of `capacity` positions holds: the row count of each kv head's means.
__host__ __device__ inline int keyBlocksOf(int capacity) { return (capacity + kKeyBlock - 1) / kKeyBlock; }

template <int D>
struct KeyMeanScratch {
  float rows[kKeyMeanThreads / (D / 8)][D];
};

// Mean of rows [rowBegin, rowEnd) of one kv head's keys ([capacity, D], bf16) into out[D] (global). D/8 lanes read
// one row in 16-byte chunks, so the CTA reads whole rows at once; its row groups add up through shared memory.
// Ends with a barrier: out is visible to the whole CTA on return and the scratch may be reused.
template <int D>
__device__ void keyBlockMean(const __nv_bfloat16* kHead, int rowBegin, int rowEnd, float* out, KeyMeanScratch<D>& s) {
  constexpr int kLanes = D / 8, kRowGroups = kKeyMeanThreads / kLanes;
  const int part = threadIdx.x % kLanes, group = threadIdx.x / kLanes;
  float sum[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  for (int r = rowBegin + group; r < rowEnd; r += kRowGroups) {
    const uint4 raw = *reinterpret_cast<const uint4*>(kHead + int64_t(r) * D + part * 8);
    const __nv_bfloat162* pair = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float2 f = __bfloat1622float2(pair[e]);
      sum[2 * e] += f.x;
      sum[2 * e + 1] += f.y;
    }
  }
#pragma unroll
  for (int e = 0; e < 8; ++e) s.rows[group][part * 8 + e] = sum[e];
  __syncthreads();
  const float inv = 1.f / float(rowEnd - rowBegin > 0 ? rowEnd - rowBegin : 1);
  for (int d = threadIdx.x; d < D; d += kKeyMeanThreads) {
    float t = 0.f;
#pragma unroll
    for (int g = 0; g < kRowGroups; ++g) t += s.rows[g][d];
    out[d] = t * inv;
  }
  __syncthreads();
}

}  // namespace unisparse::cuda
