// Robustness check of the UniSparse estimate: the last query block of a call is scored exactly against every
// key. Mean pooling blurs keys that stand out alone (a few tokens that many queries look up); the composite
// estimate then gives their blocks almost no share, and on real models whole layers lose recall that way.
// Two uses of the exact shares:
// - a check: when the estimate's own selection for the last block holds less than checkRecall of the exact
//   mass, the estimate is unreliable for that kv head;
// - columns, for such a head: the key blocks that hold tau of the last block's exact mass are read by earlier
//   rows too (sinks, definitions, a needle on both sides of a block edge), so every row keeps them next to its
//   own selection, which is made with a widened tau.
#pragma once
#include <cstdint>
#include <vector>
#include "attention.h"

namespace unisparse::detail {

struct ColumnScratch {
  std::vector<float> queries;   // [rows][headDim]: the last block's queries of the group, times the scale
  std::vector<float> keyT;      // [headDim][blockSize]: one key block, transposed
  std::vector<float> blockLse;  // [rows][key blocks]: log-sum-exp of each query row over each key block
  std::vector<int32_t> order;
};

// For kv head `kvHead`: exact causal softmax of every query of the last query block against keys 0..seqK-1,
// summed into key blocks and averaged over the positions, once per query head of the group.
// shares: [group][nKeyBlocks], overwritten.
void last_block_exact_shares(const AttentionShape& s, const float* q, const float* k, int kvHead, int blockSize,
                             float scale, float* shares, ColumnScratch* scratch);

// Per query head, the blocks by descending exact share (ties: lower index) until their share reaches tau;
// keep[b] = 1 for the union over the group (nKeyBlocks entries, overwritten).
void columns_from_shares(const float* shares, int group, int nKeyBlocks, float tau, uint8_t* keep,
                         ColumnScratch* scratch);

// The smallest, over the group's query heads, exact share held by the blocks in `kept` (the estimate's
// selection of the last block).
float check_recall(const float* shares, int group, int nKeyBlocks, const std::vector<int32_t>& kept);

}  // namespace unisparse::detail
