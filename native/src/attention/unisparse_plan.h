// Builds the UniSparse plan: pooled composite keys per kv head and granularity (stage 1), then per row the
// block-share estimate (stage 2) and the selection (stage 3), rows in parallel.
#pragma once
#include "attention.h"

namespace unisparse::detail {

void unisparse_plan(const AttentionShape& s, const AttentionOptions& opts, const float* q, const float* k,
                    BlockPlan* plan);

}  // namespace unisparse::detail
