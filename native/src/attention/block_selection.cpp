#include "block_selection.h"
#include <algorithm>

namespace unisparse::detail {

void select_row(const float* shares, int block, const UniSparseConfig& cfg, const uint8_t* forced,
                std::vector<int32_t>* keptBlocks,
                std::vector<float>* keptScores, SelectionScratch* sc) {
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
  auto& keep = sc->keep;
  keep.assign(size_t(block) + 1, 0);
  keep[0] = keep[size_t(block)] = 1;
  for (size_t i = 0; i < take; ++i) keep[size_t(order[i])] = 1;
  if (cfg.neighbourShare > 0.f && cfg.maxBlocks == 0)
    for (size_t i = 0; i < take; ++i) {
      const int b = order[i];
      if (!(shares[b] >= cfg.neighbourShare)) break;  // sorted by share: the rest are weaker
      keep[size_t(b - 1)] = 1;                        // b >= 1, and block 0 is kept anyway
      keep[size_t(b + 1)] = 1;                        // b + 1 <= block
    }
  if (forced)
    for (int b = 1; b < block; ++b)
      if (forced[b]) keep[size_t(b)] = 1;
  for (int b = 0; b <= block; ++b)
    if (keep[size_t(b)]) {
      keptBlocks->push_back(b);
      keptScores->push_back(shares[b]);
    }
}

}  // namespace unisparse::detail
