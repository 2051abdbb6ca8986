// y = x W^T for token-major activations and row-major [out, in] bf16 weights (the layout both model formats
// store), on cuBLAS with fp32 accumulation. The output is bf16, or fp32 with beta = 1 to add the product into
// an fp32 residual stream (the O and down projections) without a separate kernel.
#pragma once
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

class Gemm {
 public:
  explicit Gemm(cudaStream_t stream);
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  // y[T, out] (bf16, row stride out) = x[T, in] W^T.
  void bf16Out(const __nv_bfloat16* W, const __nv_bfloat16* x, __nv_bfloat16* y, int out, int in, int T);
  // y[T, out] (fp32) = beta * y + x W^T.
  void fp32Out(const __nv_bfloat16* W, const __nv_bfloat16* x, float* y, int out, int in, int T, float beta);

 private:
  cublasHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
};

}  // namespace unisparse::cuda
