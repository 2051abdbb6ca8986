// Matrix-vector products for the one-token decode step, fused with what surrounds each projection in a layer.
// At one token a projection is a pass over its weights (bf16, row-major [out, in]), which cuBLAS's GEMM kernels
// do at a fraction of HBM bandwidth; these kernels stream each row with 16-byte loads, several rows per warp,
// and fold the RMSNorm before and the residual add / SwiGLU after into the same pass, so a layer is four
// kernels where it was eight. Inputs are rounded to bf16 and products accumulated in fp32, as the GEMM path does.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace unisparse::cuda {

// Whether rows of `in` values suit these kernels (whole 16-byte chunks, the input fits in shared memory).
bool decodeGemvSupports(int in);

// y[out] (bf16) = W n, with n = bf16(RMSNorm(residual[in]) * normWeight). The QKV projection.
void launchNormGemvBf16(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W,
                        __nv_bfloat16* y, int out, int in, cudaStream_t stream);
// y[out] (fp32) = W n, n as above. The lm head (final norm + logits) of one row.
void launchNormGemvF32(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W, float* y,
                       int out, int in, cudaStream_t stream);
// act[f] = bf16(silu(gate_f) * up_f) for f < F, gate_f = W[f] . n and up_f = W[F + f] . n (each rounded to bf16
// first, as the GEMM path stores them), n as above. W is the fused [2F, in] gate-then-up matrix.
void launchNormGemvSwiGlu(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W,
                          __nv_bfloat16* act, int F, int in, cudaStream_t stream);
// residual[out] += W x, x bf16 [in]. The O and down projections.
void launchGemvAddResidual(const __nv_bfloat16* x, const __nv_bfloat16* W, float* residual, int out, int in,
                           cudaStream_t stream);

}  // namespace unisparse::cuda
