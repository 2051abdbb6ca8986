// The dense path is the block-sparse kernel run over a full plan: every causal key block of every row. One
// kernel for both modes means tau = 1 reproduces dense bit for bit, and the plan the overlay draws for a dense
// run is the honest "everything" plan. The CPU path, the CUDA host path and the model's report all build that
// plan here (inline, so the CUDA library needs no link to the CPU core), so their overlays agree.
#pragma once
#include "attention.h"

namespace unisparse::detail {

// Fills `plan` with every causally visible key block (every key block when !causal). Each kept block's score is
// its share of the row under a uniform prior, 1 / (blocks in the row): the same meaning as UniSparse's estimated
// share, with nothing estimated.
inline void full_plan(const AttentionShape& s, int blockSize, bool causal, BlockPlan* plan) {
  const int nKeyBlocks = (s.seqK + blockSize - 1) / blockSize;
  const int first = (s.seqK - s.seqQ) / blockSize;
  plan->kvHeads = s.kvHeads;
  plan->blockSize = blockSize;
  plan->nKeyBlocks = nKeyBlocks;
  plan->firstQueryBlock = first;
  plan->nQueryBlocks = nKeyBlocks - first;
  plan->rowPtr.assign(1, 0);
  plan->keyBlocks.clear();
  plan->keyScores.clear();
  for (int h = 0; h < s.kvHeads; ++h) {
    for (int b = first; b < nKeyBlocks; ++b) {
      const int count = causal ? b + 1 : nKeyBlocks;
      for (int kb = 0; kb < count; ++kb) {
        plan->keyBlocks.push_back(kb);
        plan->keyScores.push_back(1.f / float(count));
      }
      plan->rowPtr.push_back(int32_t(plan->keyBlocks.size()));
    }
  }
  plan->keptBlocks = int64_t(plan->keyBlocks.size());
  plan->causalBlocks = plan->keptBlocks;
}

}  // namespace unisparse::detail
