// Per-block means of the cached keys ([kvHeads, blocks, headDim] fp32 per layer), kept only when sparse decode is
// on: decode scores each block by its mean instead of reading its 128 keys. A prefill chunk refreshes the blocks it
// wrote; a decode step refreshes its own block inside the selection kernel (decode_block_select.h).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

// Blocks of kKeyBlock (128) positions that a cache of `capacity` tokens holds.
int keyBlocksFor(int capacity);

struct KeyBlockMeansParams {
  const __nv_bfloat16* kCache = nullptr;  // [kvHeads, capacity, D], this layer's, after the chunk's keys were written
  float* means = nullptr;                 // [kvHeads, keyBlocksFor(capacity), D]
  int kvHeads = 0, headDim = 0, capacity = 0;
  int position = 0, n = 0;                // the chunk: positions [position, position + n)
};

// Recomputes every block that [position, position + n) touches, over the positions cached up to the chunk's end
// (later positions of the last block are stale after a truncate, so they are left out).
void launchKeyBlockMeans(const KeyBlockMeansParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
