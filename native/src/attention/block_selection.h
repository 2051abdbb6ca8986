// Stage 3 of UniSparse: per query-block row, which key blocks to run. The sink (block 0) and the diagonal
// (local) block are always kept: sinks hold a large share in every trained LLM and the diagonal carries the
// causal mask. The rest are taken by estimated share until the kept share reaches tau.
#pragma once
#include <cstdint>
#include <vector>
#include "attention.h"

namespace unisparse::detail {

struct SelectionScratch {
  std::vector<int32_t> order;
  std::vector<uint8_t> keep;
};

// shares[0..block]: the row's estimated shares. forced (may be null): blocks kept in addition to the selection,
// indexed by key block (entries past `block` are ignored); they do not count towards tau, so the estimate's own
// selection is the same with or without them. Appends the kept block indices in ascending order to
// keptBlocks and their shares to keptScores. tau >= 1 keeps every causal block without a float comparison.
// A block taken by tau with a share >= cfg.neighbourShare also keeps blocks b-1 and b+1 (not with maxBlocks).
void select_row(const float* shares, int block, const UniSparseConfig& cfg, const uint8_t* forced,
                std::vector<int32_t>* keptBlocks,
                std::vector<float>* keptScores, SelectionScratch* scratch);

}  // namespace unisparse::detail
