// From the fused QKV projection to attention inputs: bias, rotary embedding and layout in one pass. Queries go
// head-major [heads, T, D] (the attention kernels' layout); keys and values go into the bf16 KV cache, itself
// head-major [kvHeads, capacity, D] per layer, at their absolute positions.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

// cos/sin of position * invFreq[i] for positions [start, start + n), i < half, computed in double as the CPU
// runtime does (float angles lose digits at positions in the tens of thousands).
// startDev, when not null, holds the start position on the device (a captured decode graph replays unchanged
// while the position moves); `start` is then ignored.
void launchRopeTable(const float* invFreq, int half, int start, int n, float* cosOut, float* sinOut,
                     cudaStream_t stream, const int* startDev = nullptr);

struct QkvRopeParams {
  const __nv_bfloat16* qkv = nullptr;  // [T, (heads + 2 kvHeads) * D]
  const float* bias = nullptr;          // [(heads + 2 kvHeads) * D] or null
  const float* cosTable = nullptr;      // [T, ropeDim / 2]
  const float* sinTable = nullptr;
  __nv_bfloat16* q = nullptr;           // [heads, T, D]
  __nv_bfloat16* kCache = nullptr;      // [kvHeads, capacity, D]
  __nv_bfloat16* vCache = nullptr;
  int T = 0, heads = 0, kvHeads = 0, headDim = 0, ropeDim = 0, capacity = 0, position = 0;
  const int* positionDev = nullptr;     // when set, the position is read from the device (decode graphs)
  bool adjacentPairs = false;           // GGUF llama rotates (2i, 2i+1); everything else (i, i + ropeDim/2)
};

void launchQkvRope(const QkvRopeParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
