// Block-sparse FlashAttention forward (bf16 in, fp32 accumulate, online softmax, causal, GQA).
// The dense path is the same kernel walking every causal key tile instead of a plan's rows.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

struct FlashParams {
  const __nv_bfloat16* q;   // [heads, seqQ, headDim]
  const __nv_bfloat16* k;   // [kvHeads, seqK, headDim]
  const __nv_bfloat16* v;   // [kvHeads, seqK, headDim]
  int64_t kvHeadStride = 0; // elements from one kv head's K (and V) to the next; 0: seqK * headDim (a KV cache
                            // of capacity C rows per head passes C * headDim)
  __nv_bfloat16* out;       // [heads, seqQ, headDim]
  int heads = 0, kvHeads = 0, headDim = 0, seqQ = 0, seqK = 0;
  float scale = 0.f;        // softmax scale (already resolved, never 0)
  // Plan (BSR over absolute blocks of blockSize); rowPtr == nullptr runs the dense causal path.
  const int32_t* rowPtr = nullptr;
  const int32_t* keyBlocks = nullptr;
  int blockSize = 64;       // 64 or 128; the kernel tiles 64x64, so a 128 block is two tiles each way
  int nQueryBlocks = 0, firstQueryBlock = 0;
};

// Validates the shape (throws std::runtime_error naming the problem) and launches on `stream`.
void launchSparseFlashAttention(const FlashParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
