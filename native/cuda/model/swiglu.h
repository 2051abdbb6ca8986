// SwiGLU of the fused gate/up projection: act = silu(gate) * up, in fp32, rounded once to bf16.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

// gateUp: [T, 2F] bf16 (gate in columns [0, F), up in [F, 2F)); act: [T, F] bf16.
void launchSwiGlu(const __nv_bfloat16* gateUp, __nv_bfloat16* act, int T, int F, cudaStream_t stream);

}  // namespace unisparse::cuda
