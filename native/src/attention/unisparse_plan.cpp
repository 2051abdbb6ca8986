#include "unisparse_plan.h"
#include <cmath>
#include <vector>
#include "block_score_estimate.h"
#include "block_selection.h"
#include "composite_pooling.h"
#include "copy_sources.h"
#include "last_block_check.h"
#include "parallel_rows.h"

namespace unisparse::detail {

void unisparse_plan(const AttentionShape& s, const AttentionOptions& opts, const float* q, const float* k,
                    BlockPlan* plan) {
  const UniSparseConfig& cfg = opts.sparse;
  const int S = cfg.blockSize;
  const int nGran = int(cfg.granularities.size());
  const int nKeyBlocks = (s.seqK + S - 1) / S;
  const int first = (s.seqK - s.seqQ) / S;
  const int nRows = nKeyBlocks - first;
  const float scale = opts.scale > 0 ? opts.scale : 1.f / std::sqrt(float(s.headDim));

  // Stage 1: composite keys, one set per (kv head, granularity).
  std::vector<CompositeKeys> keys(size_t(s.kvHeads) * nGran);
  run_parallel(int64_t(keys.size()), opts.threads, int64_t(s.seqK) * s.headDim, [&](auto take) {
    int64_t t;
    while (take(t)) pool_keys(s, k, int(t / nGran), S, cfg.granularities[t % nGran], &keys[t]);
  });

  // The exact check of the last query block, per kv head: compared with the estimate's own selection of that
  // block, its exact key-block shares say whether the estimate holds for this head. Where it does not, the
  // head's rows get the widened tau and keep the columns (the blocks holding tau of the exact mass). Heads that
  // pass keep the estimate's plan: on inputs whose query regions read different key regions, columns from the
  // last block would only add blocks the earlier rows do not need.
  const int group = s.heads / s.kvHeads;
  const bool checked = cfg.lastBlockCheck && cfg.tau < 1.f;
  std::vector<uint8_t> columns;
  std::vector<float> headTau(s.kvHeads, cfg.tau);
  std::vector<uint8_t> failed(s.kvHeads, 0);
  if (checked) {
    columns.assign(size_t(s.kvHeads) * nKeyBlocks, 0);
    const float widened = widened_tau(cfg.tau);
    run_parallel(s.kvHeads, opts.threads, int64_t(S) * group * s.seqK * s.headDim, [&](auto take) {
      ColumnScratch scratch;
      EstimateScratch estimate;
      SelectionScratch selection;
      std::vector<float> exact(size_t(group) * nKeyBlocks), shares(nKeyBlocks);
      std::vector<int32_t> kept;
      std::vector<float> keptScores;
      int64_t t;
      while (take(t)) {
        const int kvHead = int(t);
        last_block_exact_shares(s, q, k, kvHead, S, scale, exact.data(), &scratch);
        columns_from_shares(exact.data(), group, nKeyBlocks, cfg.tau, columns.data() + size_t(kvHead) * nKeyBlocks,
                            &scratch);
        std::vector<const CompositeKeys*> granular(nGran);
        for (int i = 0; i < nGran; ++i) granular[i] = &keys[size_t(kvHead) * nGran + i];
        estimate_block_row(s, q, kvHead, S, scale, granular, nKeyBlocks - 1, shares.data(), &estimate);
        kept.clear();
        select_row(shares.data(), nKeyBlocks - 1, cfg, nullptr, &kept, &keptScores, &selection);
        if (check_recall(exact.data(), group, nKeyBlocks, kept) < cfg.checkRecall) {
          headTau[kvHead] = widened;
          failed[kvHead] = 1;
        }
      }
    });
  }

  // Copy sources join the columns as forced blocks: they do not count towards tau (select_row). A hard row budget
  // (maxBlocks) turns them off like the columns.
  const bool copySources = opts.copySources && cfg.copyRecent > 0 && cfg.maxBlocks == 0;

  // Stages 2 and 3, one task per (kv head, row); each row's result lands in its own slot, then is packed.
  const int64_t nTasks = int64_t(s.kvHeads) * nRows;
  std::vector<std::vector<int32_t>> rowBlocks(nTasks);
  std::vector<std::vector<float>> rowScores(nTasks);
  int64_t estimateWork = 0;
  for (int g : cfg.granularities) estimateWork += int64_t(g) * g * nKeyBlocks / 2 * s.headDim;
  run_parallel(nTasks, opts.threads, estimateWork, [&](auto take) {
    EstimateScratch estimate;
    SelectionScratch selection;
    std::vector<float> shares;
    std::vector<uint8_t> forcedRow;
    int64_t t;
    while (take(t)) {
      const int kvHead = int(t / nRows);
      const int row = nRows - 1 - int(t % nRows);  // long rows first
      const int block = first + row;
      std::vector<const CompositeKeys*> granular(nGran);
      for (int i = 0; i < nGran; ++i) granular[i] = &keys[size_t(kvHead) * nGran + i];
      shares.resize(block + 1);
      estimate_block_row(s, q, kvHead, S, scale, granular, block, shares.data(), &estimate);
      const int64_t slot = int64_t(kvHead) * nRows + row;
      const bool addColumns = checked && failed[kvHead] && cfg.maxBlocks == 0;
      const uint8_t* forced = addColumns ? columns.data() + size_t(kvHead) * nKeyBlocks : nullptr;
      if (copySources) {
        const std::vector<int32_t>& copied = opts.copySources->blocks(block);
        if (!copied.empty()) {
          if (forced) forcedRow.assign(forced, forced + block + 1);
          else forcedRow.assign(size_t(block) + 1, 0);
          for (int32_t b : copied) forcedRow[size_t(b)] = 1;
          forced = forcedRow.data();
        }
      }
      UniSparseConfig rowCfg = cfg;
      rowCfg.tau = headTau[kvHead];
      select_row(shares.data(), block, rowCfg, forced, &rowBlocks[slot], &rowScores[slot], &selection);
    }
  });

  plan->kvHeads = s.kvHeads;
  plan->blockSize = S;
  plan->nKeyBlocks = nKeyBlocks;
  plan->firstQueryBlock = first;
  plan->nQueryBlocks = nRows;
  plan->rowPtr.assign(1, 0);
  plan->keyBlocks.clear();
  plan->keyScores.clear();
  plan->causalBlocks = 0;
  for (int64_t slot = 0; slot < nTasks; ++slot) {
    plan->keyBlocks.insert(plan->keyBlocks.end(), rowBlocks[slot].begin(), rowBlocks[slot].end());
    plan->keyScores.insert(plan->keyScores.end(), rowScores[slot].begin(), rowScores[slot].end());
    plan->rowPtr.push_back(int32_t(plan->keyBlocks.size()));
    plan->causalBlocks += first + int(slot % nRows) + 1;
  }
  plan->keptBlocks = int64_t(plan->keyBlocks.size());
}

}  // namespace unisparse::detail
