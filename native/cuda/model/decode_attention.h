// One-token decode attention over the bf16 KV cache, split along the keys (flash-decoding): each CTA takes one
// kv head's query group over one slice of the cache and keeps an unnormalised partial output with its max and
// sum; a second kernel merges the slices. At one query per head a single CTA per head would leave most SMs
// idle, and decode at long context is bound by reading the cache, which the slices spread over every SM.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

struct DecodeAttentionParams {
  const __nv_bfloat16* q = nullptr;       // [heads, D]
  const __nv_bfloat16* kCache = nullptr;  // [kvHeads, capacity, D]
  const __nv_bfloat16* vCache = nullptr;
  __nv_bfloat16* out = nullptr;           // [heads * D] (token-major row, the O projection's input)
  float* partialOut = nullptr;            // scratch [heads, maxSplits, D]
  float* partialMax = nullptr;            // scratch [heads, maxSplits]
  float* partialSum = nullptr;
  int heads = 0, kvHeads = 0, headDim = 0, capacity = 0, seqK = 0, maxSplits = 0;
  // When set, seqK = *positionDev + 1 is read on the device and the grid is sized for the whole capacity, so a
  // captured decode graph stays valid as the cache grows (slices past the end exit at once).
  const int* positionDev = nullptr;
  float scale = 0.f;
  int smCount = 132;
  // Sparse decode (decode_block_select.h): when set, each kv head reads only its listed blocks of 128 keys
  // (ascending, the last one the block holding the newest key) and the slices are cut over the listed keys
  // instead of over [0, seqK). Null: every key, the dense path.
  const int32_t* blockList = nullptr;   // [kvHeads, listStride]
  const int32_t* blockCount = nullptr;  // [kvHeads]
  int listStride = 0;
};

// Throws for head dims other than 64 and 128 or more than 16 query heads per kv head.
void launchDecodeAttention(const DecodeAttentionParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
