// Stage 4 of UniSparse (and the dense path, with a full plan): attention over the kept key blocks of each
// row, FlashAttention-style online softmax in float32, exact token-level causal mask inside the diagonal block.
#pragma once
#include "attention.h"

namespace unisparse::detail {

// Runs `plan` (one row per kv head and query block). One task is one (kv head, query block): the query heads
// of a GQA group share each gathered key block, which is read once per task instead of once per head.
void block_sparse_attention(const AttentionShape& s, const AttentionOptions& opts, const BlockPlan& plan,
                            const float* q, const float* k, const float* v, float* out);

}  // namespace unisparse::detail
