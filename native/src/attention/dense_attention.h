// The dense path is the block-sparse kernel run over a full plan: every causal key block of every row. One
// kernel for both modes means tau = 1 reproduces dense bit for bit, and the plan the overlay draws for a dense
// run is the honest "everything" plan.
#pragma once
#include "attention.h"

namespace unisparse::detail {

// Fills `plan` with every causally visible key block (every key block when !causal). keyScores are left 0:
// dense runs no estimate.
void full_plan(const AttentionShape& s, int blockSize, bool causal, BlockPlan* plan);

}  // namespace unisparse::detail
