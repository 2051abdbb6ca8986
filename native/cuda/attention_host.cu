// attention() for host float32 arrays: packs the strided inputs to bf16 [heads, seq, headDim], runs the plan
// and the attention kernel on the GPU, and unpacks the output (and the plan, when asked) back to the host.
// This is the path of the Node binding's device:'cuda' and of the tests: every call copies its inputs to the device
// and the results back. The model on the GPU (model/gpu_model.cu) keeps its buffers resident and does not come here.
#include "attention_cuda.h"
#include "attention/copy_sources.h"
#include "attention/dense_attention.h"
#include "cuda_check.h"
#include "sparse_flash_attention.h"
#include "unisparse_plan.h"
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace unisparse::cuda {
namespace {

std::vector<__nv_bfloat16> packBf16(const float* src, int heads, int seq, int dim, int64_t headStride, int64_t seqStride) {
  std::vector<__nv_bfloat16> out(size_t(heads) * seq * dim);
  for (int h = 0; h < heads; ++h)
    for (int t = 0; t < seq; ++t) {
      const float* row = src + h * headStride + t * seqStride;
      __nv_bfloat16* dst = out.data() + (size_t(h) * seq + t) * dim;
      for (int d = 0; d < dim; ++d) dst[d] = __float2bfloat16_rn(row[d]);
    }
  return out;
}

// Device buffer that frees itself, so every error path releases GPU memory.
struct DeviceBuffer {
  void* ptr = nullptr;
  DeviceBuffer(size_t bytes, const char* what) { check(cudaMalloc(&ptr, bytes), what); }
  ~DeviceBuffer() { if (ptr) cudaFree(ptr); }
  template <typename T> T* as() const { return static_cast<T*>(ptr); }
};

}  // namespace

bool available(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    if (reason) *reason = status != cudaSuccess ? std::string("no usable CUDA driver: ") + cudaGetErrorString(status)
                                                : std::string("no CUDA device found");
    cudaGetLastError();
    return false;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess || prop.major < 8) {
    if (reason) *reason = std::string("the GPU (") + prop.name + ") is older than compute capability 8.0, which the kernels need";
    cudaGetLastError();
    return false;
  }
  return true;
}

void attention_host(const AttentionShape& s, const AttentionOptions& opts, const float* q, const float* k,
                    const float* v, float* out, BlockPlan* plan) {
  validateShape(s.heads, s.kvHeads, s.headDim, s.seqQ, s.seqK);
  if (!opts.causal)
    throw std::runtime_error("CUDA attention runs causal attention only (prefill of a decoder); set causal: true or use device 'cpu'.");
  if (!q || !k || !v || !out) throw std::runtime_error("CUDA attention: q, k, v and out must all be given.");
  std::string reason;
  if (!available(&reason)) throw std::runtime_error("CUDA attention is not available: " + reason + ". Use device 'cpu'.");
  // One-token decode runs dense, as on the CPU: re-pooling every key for one query costs about a dense decode.
  const bool sparse = opts.mode == AttentionMode::UniSparse && s.seqQ > 1;
  if (sparse) validateSparse(opts.sparse.blockSize, opts.sparse.granularities, opts.sparse.tau);
  const int D = s.headDim;
  const float scale = opts.scale > 0 ? opts.scale : 1.f / std::sqrt(float(D));

  const auto qh = packBf16(q, s.heads, s.seqQ, D, s.qHeadStride, s.qSeqStride);
  const auto kh = packBf16(k, s.kvHeads, s.seqK, D, s.kHeadStride, s.kSeqStride);
  const auto vh = packBf16(v, s.kvHeads, s.seqK, D, s.vHeadStride, s.vSeqStride);
  const size_t qBytes = qh.size() * 2, kvBytes = kh.size() * 2;
  DeviceBuffer dq(qBytes, "allocating queries on the GPU"), dk(kvBytes, "allocating keys on the GPU"),
      dv(kvBytes, "allocating values on the GPU"), dout(qBytes, "allocating the output on the GPU");
  cudaStream_t stream = 0;
  check(cudaMemcpyAsync(dq.ptr, qh.data(), qBytes, cudaMemcpyHostToDevice, stream), "copying queries to the GPU");
  check(cudaMemcpyAsync(dk.ptr, kh.data(), kvBytes, cudaMemcpyHostToDevice, stream), "copying keys to the GPU");
  check(cudaMemcpyAsync(dv.ptr, vh.data(), kvBytes, cudaMemcpyHostToDevice, stream), "copying values to the GPU");

  FlashParams fp;
  fp.q = dq.as<__nv_bfloat16>(); fp.k = dk.as<__nv_bfloat16>(); fp.v = dv.as<__nv_bfloat16>(); fp.out = dout.as<__nv_bfloat16>();
  fp.heads = s.heads; fp.kvHeads = s.kvHeads; fp.headDim = D; fp.seqQ = s.seqQ; fp.seqK = s.seqK; fp.scale = scale;

  DevicePlan dplan;
  std::optional<DeviceBuffer> copyCsr;
  struct PlanGuard { DevicePlan* p; ~PlanGuard() { freePlan(p, 0); } } guard{&dplan};
  if (sparse) {
    PlanRequest req;
    req.q = fp.q; req.k = fp.k; req.heads = s.heads; req.kvHeads = s.kvHeads; req.headDim = D; req.seqQ = s.seqQ;
    req.seqK = s.seqK; req.scale = scale; req.blockSize = opts.sparse.blockSize; req.tau = opts.sparse.tau;
    req.granularities = opts.sparse.granularities; req.minBlocks = opts.sparse.minBlocks; req.maxBlocks = opts.sparse.maxBlocks;
    req.lastBlockCheck = opts.sparse.lastBlockCheck; req.checkRecall = opts.sparse.checkRecall;
    req.neighbourShare = opts.sparse.neighbourShare;
    std::vector<int32_t> copyRowPtr, copyBlocks;
    if (opts.copySources && opts.sparse.copyRecent > 0 && opts.sparse.maxBlocks <= 0) {
      const int S = opts.sparse.blockSize, firstQB = (s.seqK - s.seqQ) / S;
      opts.copySources->csr(firstQB, (s.seqK + S - 1) / S - firstQB, &copyRowPtr, &copyBlocks);
      copyRowPtr.push_back(0);  // keeps both buffers non-empty
      copyBlocks.push_back(0);
      copyCsr.emplace(copyRowPtr.size() * 4 + copyBlocks.size() * 4, "allocating copy sources on the GPU");
      int32_t* dev = copyCsr->as<int32_t>();
      check(cudaMemcpyAsync(dev, copyRowPtr.data(), copyRowPtr.size() * 4, cudaMemcpyHostToDevice, stream), "copying copy sources");
      check(cudaMemcpyAsync(dev + copyRowPtr.size(), copyBlocks.data(), copyBlocks.size() * 4, cudaMemcpyHostToDevice, stream),
            "copying copy sources");
      req.copyRowPtr = dev;
      req.copyBlocks = dev + copyRowPtr.size();
    }
    req.splitPrecision = true;
    buildPlan(req, &dplan, stream);
    fp.rowPtr = dplan.rowPtr; fp.keyBlocks = dplan.keyBlocks; fp.blockSize = dplan.blockSize;
    fp.nQueryBlocks = dplan.nQueryBlocks; fp.firstQueryBlock = dplan.firstQueryBlock;
  }
  launchSparseFlashAttention(fp, stream);

  std::vector<__nv_bfloat16> oh(qh.size());
  check(cudaMemcpyAsync(oh.data(), dout.ptr, qBytes, cudaMemcpyDeviceToHost, stream), "copying the output from the GPU");
  if (sparse && plan) {
    const int rows = dplan.kvHeads * dplan.nQueryBlocks;
    plan->kvHeads = dplan.kvHeads; plan->nQueryBlocks = dplan.nQueryBlocks; plan->nKeyBlocks = dplan.nKeyBlocks;
    plan->blockSize = dplan.blockSize; plan->firstQueryBlock = dplan.firstQueryBlock; plan->keptBlocks = dplan.keptBlocks; plan->causalBlocks = dplan.causalBlocks;
    plan->rowPtr.resize(rows + 1); plan->keyBlocks.resize(dplan.keptBlocks); plan->keyScores.resize(dplan.keptBlocks);
    check(cudaMemcpyAsync(plan->rowPtr.data(), dplan.rowPtr, (rows + 1) * 4, cudaMemcpyDeviceToHost, stream), "copying the plan");
    check(cudaMemcpyAsync(plan->keyBlocks.data(), dplan.keyBlocks, dplan.keptBlocks * 4, cudaMemcpyDeviceToHost, stream), "copying the plan");
    check(cudaMemcpyAsync(plan->keyScores.data(), dplan.keyScores, dplan.keptBlocks * 4, cudaMemcpyDeviceToHost, stream), "copying the plan");
  }
  check(cudaStreamSynchronize(stream), "running CUDA attention");
  for (int h = 0; h < s.heads; ++h)
    for (int t = 0; t < s.seqQ; ++t) {
      float* dst = out + h * s.oHeadStride + t * s.oSeqStride;
      const __nv_bfloat16* src = oh.data() + (size_t(h) * s.seqQ + t) * D;
      for (int d = 0; d < D; ++d) dst[d] = __bfloat162float(src[d]);
    }
  if (!sparse && plan) detail::full_plan(s, opts.sparse.blockSize > 0 ? opts.sparse.blockSize : UniSparseConfig{}.blockSize, true, plan);
}

}  // namespace unisparse::cuda
