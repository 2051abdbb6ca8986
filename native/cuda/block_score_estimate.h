// The UniSparse estimate: softmax over composite keys of composite-query . composite-key logits (causal at
// composite granularity), summed into (query block, key block) scores, averaged over granularities.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

struct EstimateParams {
  // Composite tokens of `kvHeads` heads: queries [kvHeads, nCompQ, D] for absolute composites
  // firstCompQ + r; keys [kvHeads, nCompK, D] for composites 0 .. nCompK-1. hi/lo split as composite_pooling.h.
  const __nv_bfloat16 *qHi = nullptr, *qLo = nullptr, *kHi = nullptr, *kLo = nullptr;
  int kvHeads = 0, headDim = 0;
  int granularity = 16;       // composite tokens per block (g)
  int tokensPerComposite = 4; // c
  int firstCompQ = 0, nCompQ = 0, nCompK = 0;
  int queryPosLo = 0, seqK = 0;  // present query positions [queryPosLo, seqK), keys [0, seqK)
  float scale = 0.f;
  bool splitPrecision = true;    // hi*hi + hi*lo + lo*hi (near-fp32 logits) or hi*hi only (bf16 logits)
  // Scratch: log2-sum-exp of each composite query row over each key block, and over each slice of the row's
  // keys (the keys are split into slices so that a short chunk of queries still fills the GPU).
  float* blockLse = nullptr;     // [kvHeads, nCompQ, nKeyBlocks]
  float* rowLse = nullptr;       // [kEstimateMaxKeySlices, kvHeads, nCompQ]
  int nKeyBlocks = 0;
  // Output: A[kvHeads][nQueryBlocks][nKeyBlocks] += weight * A_g (first granularity: =).
  float* scores = nullptr;
  int nQueryBlocks = 0, firstQueryBlock = 0;
  float weight = 1.f;
  bool accumulate = false;
  // Set by launchBlockEstimate.
  int keySlices = 1, keysPerSlice = 0;
};

// The key slices of pass 1 are cut so that (query row tiles x kv heads x slices) fills the GPU a few times over.
constexpr int kEstimateMaxKeySlices = 32;

void launchBlockEstimate(const EstimateParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
