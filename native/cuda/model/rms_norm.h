// RMSNorm of the fp32 residual stream into the bf16 input of the next matmul: out = x / rms(x) * weight.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

// x: [rows, hidden] fp32 with row stride xStride; weight: [hidden] fp32; out: [rows, hidden] bf16 (contiguous).
void launchRmsNorm(const float* x, int64_t xStride, const float* weight, __nv_bfloat16* out, int rows, int hidden,
                   float eps, cudaStream_t stream);

}  // namespace unisparse::cuda
