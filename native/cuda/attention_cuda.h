// The CUDA side of attention(): UniSparse planning and block-sparse flash attention on an NVIDIA GPU.
// Host float32 arrays in and out (strided as AttentionShape says); the device computes in bf16 with fp32
// accumulation. Everything here throws std::runtime_error with a sentence a user can act on and never aborts.
#pragma once
#include <string>
#include "attention/attention.h"

namespace unisparse::cuda {

// True when a CUDA device of compute capability >= 8.0 is present; otherwise *reason says why not.
bool available(std::string* reason);

// out = softmax(q k^T * scale + causal mask) v on the GPU, densely or over the UniSparse plan.
// When `plan` is not null it receives the plan that ran (the full causal plan for dense).
void attention_host(const AttentionShape& shape, const AttentionOptions& opts, const float* q, const float* k,
                    const float* v, float* out, BlockPlan* plan);

}  // namespace unisparse::cuda
