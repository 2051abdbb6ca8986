// cuBLAS (which dispatches to its cuBLASLt kernels on Hopper) with bf16 inputs and CUBLAS_COMPUTE_32F.
// Column-major view: y^T [out, T] = W [out, in] (stored as col-major [in, out], hence OP_T) times x^T [in, T].
#include "gemm.h"

#include <stdexcept>

#include "../cuda_check.h"
#include <string>

namespace unisparse::cuda {
namespace {

void checkBlas(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  std::string msg = std::string("cuBLAS error ") + std::to_string(int(s)) + " while " + what;
  if (s == CUBLAS_STATUS_ALLOC_FAILED) msg += ": the GPU is out of memory; use a shorter context or device 'cpu'";
  throw std::runtime_error(msg + ".");
}

}  // namespace

// A workspace of our own: cuBLAS then allocates nothing while a decode step is captured into a CUDA graph.
constexpr size_t kWorkspaceBytes = size_t(32) << 20;

Gemm::Gemm(cudaStream_t stream) {
  checkBlas(cublasCreate(&handle_), "creating the cuBLAS handle");
  checkBlas(cublasSetStream(handle_, stream), "binding cuBLAS to the model's stream");
  if (cudaMalloc(&workspace_, kWorkspaceBytes) != cudaSuccess) {
    cublasDestroy(handle_);
    check(cudaErrorMemoryAllocation, "allocating the cuBLAS workspace");
  }
  checkBlas(cublasSetWorkspace(handle_, workspace_, kWorkspaceBytes), "giving cuBLAS its workspace");
}

Gemm::~Gemm() {
  if (handle_) cublasDestroy(handle_);
  if (workspace_) cudaFree(workspace_);
}

void Gemm::bf16Out(const __nv_bfloat16* W, const __nv_bfloat16* x, __nv_bfloat16* y, int out, int in, int T) {
  const float alpha = 1.f, beta = 0.f;
  checkBlas(cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, out, T, in, &alpha, W, CUDA_R_16BF, in, x, CUDA_R_16BF, in,
                         &beta, y, CUDA_R_16BF, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "running a bf16 matmul");
}

void Gemm::fp32Out(const __nv_bfloat16* W, const __nv_bfloat16* x, float* y, int out, int in, int T, float beta) {
  const float alpha = 1.f;
  checkBlas(cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, out, T, in, &alpha, W, CUDA_R_16BF, in, x, CUDA_R_16BF, in,
                         &beta, y, CUDA_R_32F, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "running a matmul into the fp32 residual stream");
}

}  // namespace unisparse::cuda
