// Question-conditioned attention on the GPU: for the question's query rows, the exact softmax weight each key
// block of the prompt receives, summed over heads (and, across calls, layers). The editor's overlay colours
// blocks by it; the GPU runtime computes it here from its own bf16 queries and KV cache so both devices report
// the same thing (the CPU path is native/src/model/question_attention.cpp).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

struct QuestionAttentionParams {
  const __nv_bfloat16* q = nullptr;  // this chunk's post-RoPE queries, [heads, T, D]
  const __nv_bfloat16* k = nullptr;  // one layer's key cache, [kvHeads, capacity, D]
  double* mass = nullptr;            // [key blocks], added to
  int heads = 0, kvHeads = 0, headDim = 0, T = 0, capacity = 0, blockSize = 64;
  int position = 0;                  // absolute position of the chunk's first row
  int rowFrom = 0, rowTo = 0;        // absolute question rows inside the chunk
};

// Adds each row's softmax over keys 0..row (scale 1/sqrt(D)) into mass[key / blockSize], leaving out the sink
// block and the row's own block, as the CPU path does: every row attends there whatever the question asks.
void launchQuestionAttention(const QuestionAttentionParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
