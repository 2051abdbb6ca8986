// Sparse decode's choice of key blocks: per decode step and layer, for each kv head, the blocks of 128 cached keys
// whose attention mass the block means say is not negligible. Decode attention then reads only those blocks
// (DecodeAttentionParams::blockList), so a step at long context reads a fraction of the cache.
//
// Block b's log attention mass for query head h is estimated as q_h . mean_b * scale + ln(count_b) (Jensen: the
// log of a sum of exp over the block's keys is at least that, with equality when the block's scores are equal).
// A block is kept when, for some query head of the kv group, its estimate is within `delta` = ln(1/eps) of that
// head's best block: its estimated share is at least eps of the top block's. Per head and not over the group's
// maximum, so a head whose scores are all low still keeps its own top blocks. The sink block 0 and the last two
// blocks (the local window, including the partial block with the new token) are always kept.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

struct DecodeBlockSelectParams {
  const __nv_bfloat16* q = nullptr;       // [heads, D], the step's queries after RoPE
  const __nv_bfloat16* kCache = nullptr;  // [kvHeads, capacity, D], this layer's, with the new key written
  float* means = nullptr;                 // [kvHeads, keyBlocksFor(capacity), D]; the new token's block is refreshed
  float* scores = nullptr;                // scratch [heads, keyBlocksFor(capacity)]
  float* partMax = nullptr;               // scratch [heads, decodeSelectParts(capacity)]
  unsigned* arrivals = nullptr;           // [kvHeads], zero between launches (the kernel leaves it zero)
  int32_t* blockList = nullptr;           // out: [kvHeads, keyBlocksFor(capacity)] kept blocks, ascending
  int32_t* blockCount = nullptr;          // out: [kvHeads]
  unsigned long long* keptTotals = nullptr;  // optional: += kept blocks, += candidate blocks (every kv head)
  int heads = 0, kvHeads = 0, headDim = 0, capacity = 0, seqK = 0;
  const int* positionDev = nullptr;       // when set, seqK = *positionDev + 1 (captured decode graphs)
  float scale = 0.f, delta = 0.f;
};

// CTAs per kv head when the grid covers the whole capacity (the size of partMax's rows).
int decodeSelectParts(int capacity);

// No host synchronisation; graph-capturable (with positionDev the grid covers the whole capacity).
void launchDecodeBlockSelect(const DecodeBlockSelectParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
