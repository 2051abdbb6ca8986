// Stage 2 of UniSparse: the cheap global estimate. For one query block, softmax of composite queries against
// the causally visible composite keys gives each key block a share of the row's attention; the shares of all
// granularities are averaged. Each row sums to 1, so tau reads directly as "share of the estimated mass".
#pragma once
#include <vector>
#include "attention.h"
#include "composite_pooling.h"

namespace unisparse::detail {

// Buffers one worker reuses across rows.
struct EstimateScratch {
  std::vector<float> queryMean;      // [perBlock][headDim]
  std::vector<uint8_t> queryPresent; // [perBlock]
  std::vector<float> logits;         // [perBlock][composite keys up to this block]
  std::vector<float> rowShare;       // [block + 1] for one granularity
};

// shares[0..block] receives the estimated share of key blocks 0..block for query block `block` of kv head
// `kvHead` (composite causality: key (bk,l) is visible to query (block,j) iff bk < block, or bk == block and
// l <= j). keys[i] are that kv head's composite keys at granularity i.
void estimate_block_row(const AttentionShape& s, const float* q, int kvHead, int blockSize, float scale,
                        const std::vector<const CompositeKeys*>& keys, int block, float* shares,
                        EstimateScratch* scratch);

}  // namespace unisparse::detail
