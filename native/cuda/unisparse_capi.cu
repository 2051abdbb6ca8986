// The extern "C" device-pointer API (unisparse_capi.h): thin wrappers that turn exceptions into a return code
// and a thread-local message, so ctypes/C callers never see a C++ exception.
#include "unisparse_capi.h"
#include "sparse_flash_attention.h"
#include "unisparse_plan.h"
#include "cuda_check.h"
#include "attention/attention.h"
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

namespace {
thread_local std::string lastError;

template <typename F>
int guarded(F&& body) {
  try {
    body();
    lastError.clear();
    return 0;
  } catch (const std::exception& e) {
    lastError = e.what();
  } catch (...) {
    lastError = "unknown error in the UniSparse CUDA library";
  }
  return -1;
}

float resolvedScale(const UnisparseShape* s) { return s->scale > 0 ? s->scale : 1.f / std::sqrt(float(s->headDim)); }
}  // namespace

extern "C" const char* unisparse_cuda_last_error(void) { return lastError.c_str(); }

extern "C" int unisparse_cuda_plan(const UnisparseShape* shape, const UnisparseSparseConfig* cfg, const void* q,
                                   const void* k, UnisparsePlan* plan, void* stream) {
  return guarded([&] {
    using namespace unisparse::cuda;
    if (!shape || !cfg || !q || !k || !plan) throw std::runtime_error("unisparse_cuda_plan: a required pointer is null.");
    PlanRequest r;
    r.q = static_cast<const __nv_bfloat16*>(q); r.k = static_cast<const __nv_bfloat16*>(k);
    r.heads = shape->heads; r.kvHeads = shape->kvHeads; r.headDim = shape->headDim; r.seqQ = shape->seqQ;
    r.seqK = shape->seqK; r.scale = resolvedScale(shape); r.blockSize = cfg->blockSize; r.tau = cfg->tau;
    r.granularities.clear();
    for (int g : cfg->granularities) if (g > 0) r.granularities.push_back(g);
    if (r.granularities.empty()) r.granularities = unisparse::default_granularities(r.heads, r.kvHeads, r.blockSize);
    r.minBlocks = cfg->minBlocks; r.maxBlocks = cfg->maxBlocks; r.splitPrecision = cfg->fastEstimate == 0;
    r.lastBlockCheck = cfg->skipLastBlockCheck == 0; r.checkRecall = cfg->checkRecall > 0.f ? cfg->checkRecall : 0.95f;
    r.neighbourShare = cfg->neighbourShare == 0.f ? unisparse::kDefaultNeighbourShare : cfg->neighbourShare < 0.f ? 0.f : cfg->neighbourShare;
    DevicePlan d;
    buildPlan(r, &d, static_cast<cudaStream_t>(stream));
    plan->kvHeads = d.kvHeads; plan->nQueryBlocks = d.nQueryBlocks; plan->nKeyBlocks = d.nKeyBlocks;
    plan->blockSize = d.blockSize; plan->firstQueryBlock = d.firstQueryBlock; plan->rowPtr = d.rowPtr;
    plan->keyBlocks = d.keyBlocks; plan->keyScores = d.keyScores; plan->keptBlocks = d.keptBlocks;
    plan->causalBlocks = d.causalBlocks;
  });
}

extern "C" void unisparse_cuda_plan_free(UnisparsePlan* plan) {
  if (!plan) return;
  unisparse::cuda::DevicePlan d;
  d.rowPtr = plan->rowPtr; d.keyBlocks = plan->keyBlocks; d.keyScores = plan->keyScores;
  unisparse::cuda::freePlan(&d, 0);
  plan->rowPtr = plan->keyBlocks = nullptr;
  plan->keyScores = nullptr;
}

extern "C" int unisparse_cuda_plan_copy(const UnisparsePlan* plan, int32_t* rowPtr, int32_t* keyBlocks,
                                        float* keyScores) {
  return guarded([&] {
    using unisparse::cuda::check;
    if (!plan || !rowPtr || !keyBlocks || !keyScores) throw std::runtime_error("unisparse_cuda_plan_copy: a pointer is null.");
    const size_t rows = size_t(plan->kvHeads) * plan->nQueryBlocks;
    check(cudaDeviceSynchronize(), "finishing the plan before copying it");
    check(cudaMemcpy(rowPtr, plan->rowPtr, (rows + 1) * 4, cudaMemcpyDefault), "copying the plan's row pointers");
    check(cudaMemcpy(keyBlocks, plan->keyBlocks, plan->keptBlocks * 4, cudaMemcpyDefault), "copying the plan's key blocks");
    check(cudaMemcpy(keyScores, plan->keyScores, plan->keptBlocks * 4, cudaMemcpyDefault), "copying the plan's scores");
  });
}

extern "C" int unisparse_cuda_attention(const UnisparseShape* shape, const void* q, const void* k, const void* v,
                                        void* out, const UnisparsePlan* plan, int blockSize, void* stream) {
  return guarded([&] {
    using namespace unisparse::cuda;
    if (!shape || !q || !k || !v || !out) throw std::runtime_error("unisparse_cuda_attention: a required pointer is null.");
    validateShape(shape->heads, shape->kvHeads, shape->headDim, shape->seqQ, shape->seqK);
    FlashParams p;
    p.q = static_cast<const __nv_bfloat16*>(q); p.k = static_cast<const __nv_bfloat16*>(k);
    p.v = static_cast<const __nv_bfloat16*>(v); p.out = static_cast<__nv_bfloat16*>(out);
    p.heads = shape->heads; p.kvHeads = shape->kvHeads; p.headDim = shape->headDim; p.seqQ = shape->seqQ;
    p.seqK = shape->seqK; p.scale = resolvedScale(shape); p.blockSize = blockSize;
    if (plan) {
      p.rowPtr = plan->rowPtr; p.keyBlocks = plan->keyBlocks; p.blockSize = plan->blockSize;
      p.nQueryBlocks = plan->nQueryBlocks; p.firstQueryBlock = plan->firstQueryBlock;
    }
    launchSparseFlashAttention(p, static_cast<cudaStream_t>(stream));
  });
}
