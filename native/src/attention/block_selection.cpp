#include "block_selection.h"
#include <algorithm>

namespace unisparse::detail {

void select_row(const float* shares, int block, const UniSparseConfig& cfg, const uint8_t* forced,
                std::vector<int32_t>* keptBlocks,
                std::vector<float>* keptScores, SelectionScratch* sc) {
  const size_t rowStart = keptBlocks->size();
  if (cfg.tau >= 1.f || block <= 1) {
    for (int b = 0; b <= block; ++b) {
      keptBlocks->push_back(b);
      keptScores->push_back(shares[b]);
    }
    return;
  }
  // Candidates other than sink and diagonal, by descending share; ties go to the lower (earlier) block.
  auto& order = sc->order;
  order.clear();
  for (int b = 1; b < block; ++b) order.push_back(b);
  std::sort(order.begin(), order.end(), [shares](int32_t a, int32_t b) {
    return shares[a] != shares[b] ? shares[a] > shares[b] : a < b;
  });
  float kept = shares[0] + shares[block];
  size_t take = 0;
  while (take < order.size() && kept < cfg.tau) kept += shares[order[take++]];
  // Budgets count the sink and the diagonal; they are never dropped.
  if (cfg.minBlocks > 0) take = std::max<size_t>(take, size_t(std::max(cfg.minBlocks - 2, 0)));
  if (cfg.maxBlocks > 0) take = std::min<size_t>(take, size_t(std::max(cfg.maxBlocks - 2, 0)));
  take = std::min(take, order.size());
  keptBlocks->push_back(0);
  for (size_t i = 0; i < take; ++i) keptBlocks->push_back(order[i]);
  if (forced)
    for (size_t i = take; i < order.size(); ++i)
      if (forced[order[i]]) keptBlocks->push_back(order[i]);
  keptBlocks->push_back(block);
  std::sort(keptBlocks->begin() + rowStart, keptBlocks->end());
  for (size_t i = rowStart; i < keptBlocks->size(); ++i) keptScores->push_back(shares[(*keptBlocks)[i]]);
}

}  // namespace unisparse::detail
