#include "dense_attention.h"

namespace unisparse::detail {

void full_plan(const AttentionShape& s, int blockSize, bool causal, BlockPlan* plan) {
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
      for (int kb = 0; kb < count; ++kb) plan->keyBlocks.push_back(kb);
      plan->rowPtr.push_back(int32_t(plan->keyBlocks.size()));
    }
  }
  plan->keyScores.assign(plan->keyBlocks.size(), 0.f);
  plan->keptBlocks = int64_t(plan->keyBlocks.size());
  plan->causalBlocks = plan->keptBlocks;
}

}  // namespace unisparse::detail
