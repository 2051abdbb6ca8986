// Orchestrates the planning kernels. KV heads are processed in chunks so that the per-(row, key block)
// log-sum-exp scratch stays under ~1 GiB at 128K tokens; all buffers come from the stream-ordered pool, so a
// plan built repeatedly (benchmarks, one plan per prefill) does not pay cudaMalloc each time.
#include "unisparse_plan.h"
#include "block_score_estimate.h"
#include "block_selection.h"
#include "composite_pooling.h"
#include "last_block_check.h"
#include "cuda_check.h"
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

template <typename T>
T* allocate(size_t count, cudaStream_t stream, const char* what) {
  void* p = nullptr;
  check(cudaMallocAsync(&p, std::max<size_t>(count, 1) * sizeof(T), stream), what);
  return static_cast<T*>(p);
}

// Frees every buffer it holds on scope exit, so a throw halfway through planning leaks nothing.
struct Scratch {
  cudaStream_t stream;
  std::vector<void*> held;
  template <typename T>
  T* get(size_t count, const char* what) {
    T* p = allocate<T>(count, stream, what);
    held.push_back(p);
    return p;
  }
  ~Scratch() { for (void* p : held) cudaFreeAsync(p, stream); }
};

constexpr size_t kLseScratchBytes = size_t(1) << 30;

// Keep freed pool memory cached in the process: without this the pool returns it at every synchronisation
// and each plan pays for fresh allocations.
void keepPoolMemory() {
  static bool done = false;
  if (done) return;
  int device = 0;
  cudaMemPool_t pool;
  if (cudaGetDevice(&device) == cudaSuccess && cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess) {
    uint64_t threshold = ~0ull;
    cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  }
  cudaGetLastError();
  done = true;
}

// UNISPARSE_PLAN_PROFILE=1 prints each planning stage's GPU time to stderr (the benchmark uses it once per size).
struct StageTimer {
  bool on = false;
  cudaStream_t stream = 0;
  std::vector<std::pair<std::string, cudaEvent_t>> marks;
  explicit StageTimer(cudaStream_t s) : stream(s) {
    const char* env = std::getenv("UNISPARSE_PLAN_PROFILE");
    on = env && *env && *env != '0';
    mark("start");
  }
  void mark(const char* name) {
    if (!on) return;
    cudaEvent_t e;
    cudaEventCreate(&e);
    cudaEventRecord(e, stream);
    marks.emplace_back(name, e);
  }
  ~StageTimer() {
    if (!on) return;
    cudaEventSynchronize(marks.back().second);
    std::fprintf(stderr, "plan stages (ms):");
    for (size_t i = 1; i < marks.size(); ++i) {
      float ms = 0.f;
      cudaEventElapsedTime(&ms, marks[i - 1].second, marks[i].second);
      std::fprintf(stderr, " %s %.3f", marks[i].first.c_str(), ms);
    }
    std::fprintf(stderr, "\n");
    for (auto& m : marks) cudaEventDestroy(m.second);
  }
};

}  // namespace

void validateShape(int heads, int kvHeads, int headDim, int seqQ, int seqK) {
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    throw std::runtime_error("CUDA attention: heads (" + std::to_string(heads) +
                             ") must be a positive multiple of kvHeads (" + std::to_string(kvHeads) + ").");
  if (headDim != 64 && headDim != 128)
    throw std::runtime_error("CUDA attention supports head dims 64 and 128; got " + std::to_string(headDim) +
                             ". Use device 'cpu' for this model.");
  if (seqQ <= 0 || seqK < seqQ)
    throw std::runtime_error("CUDA attention: need 0 < seqQ <= seqK (queries are the last seqQ keys); got seqQ=" +
                             std::to_string(seqQ) + ", seqK=" + std::to_string(seqK) + ".");
}

void validateSparse(int blockSize, const std::vector<int>& granularities, float tau) {
  if (blockSize != 64 && blockSize != 128)
    throw std::runtime_error("UniSparse CUDA: blockSize must be 64 or 128; got " + std::to_string(blockSize) + ".");
  if (granularities.empty() || granularities.size() > size_t(kMaxGranularities))
    throw std::runtime_error("UniSparse CUDA: give one to " + std::to_string(kMaxGranularities) +
                             " granularities (composite tokens per block), e.g. [4, 16].");
  for (int g : granularities)
    if (g < 2 || g > 64 || (g & (g - 1)) != 0 || blockSize % g != 0)
      throw std::runtime_error("UniSparse CUDA: granularity " + std::to_string(g) +
                               " must be a power of two from 2 to 64 that divides blockSize " +
                               std::to_string(blockSize) + ".");
  if (!(tau > 0.f))
    throw std::runtime_error("UniSparse CUDA: tau must be > 0 (0.9 to 0.95 typical, >= 1 keeps every block); got " +
                             std::to_string(tau) + ".");
}

void buildPlan(const PlanRequest& r, DevicePlan* plan, cudaStream_t stream) {
  validateShape(r.heads, r.kvHeads, r.headDim, r.seqQ, r.seqK);
  validateSparse(r.blockSize, r.granularities, r.tau);
  const int S = r.blockSize, D = r.headDim;
  const int queryPosLo = r.seqK - r.seqQ;
  const int nKB = (r.seqK + S - 1) / S, firstQB = queryPosLo / S, nQB = nKB - firstQB;
  if (nKB > kMaxSelectKeyBlocks)
    throw std::runtime_error("UniSparse CUDA: " + std::to_string(r.seqK) + " keys make " + std::to_string(nKB) +
                             " blocks of " + std::to_string(S) + "; at most " + std::to_string(kMaxSelectKeyBlocks) +
                             " are supported. Use blockSize 128 or a shorter context.");
  const int rows = r.kvHeads * nQB;
  keepPoolMemory();
  StageTimer timer(stream);
  Scratch scratch{stream, {}};
  float* scores = scratch.get<float>(size_t(rows) * nKB, "allocating the UniSparse block-score matrix");

  int maxG = 0;
  for (int g : r.granularities) maxG = std::max(maxG, g);
  const size_t lsePerHead = size_t(nQB) * maxG * nKB * sizeof(float);
  const int chunk = int(std::max<size_t>(1, std::min<size_t>(r.kvHeads, kLseScratchBytes / std::max<size_t>(lsePerHead, 1))));
  const size_t maxCompQ = size_t(nQB) * maxG;
  const int nG = int(r.granularities.size());
  // Composite tokens of every granularity for one chunk of kv heads: pooled in one pass, then estimated in turn.
  __nv_bfloat16 *qHi[kMaxGranularities], *qLo[kMaxGranularities], *kHi[kMaxGranularities], *kLo[kMaxGranularities];
  for (int gi = 0; gi < nG; ++gi) {
    const size_t g = size_t(r.granularities[gi]);
    qHi[gi] = scratch.get<__nv_bfloat16>(chunk * nQB * g * D, "allocating composite queries");
    qLo[gi] = scratch.get<__nv_bfloat16>(chunk * nQB * g * D, "allocating composite queries");
    kHi[gi] = scratch.get<__nv_bfloat16>(chunk * nKB * g * D, "allocating composite keys");
    kLo[gi] = scratch.get<__nv_bfloat16>(chunk * nKB * g * D, "allocating composite keys");
  }
  float* blockLse = scratch.get<float>(chunk * maxCompQ * nKB, "allocating the estimate scratch");
  float* rowLse = scratch.get<float>(size_t(kEstimateMaxKeySlices) * chunk * maxCompQ, "allocating the estimate scratch");

  for (int h0 = 0; h0 < r.kvHeads; h0 += chunk) {
    const int hn = std::min(chunk, r.kvHeads - h0);
    PoolParams pq;
    pq.src = r.q; pq.headDim = D; pq.groupHeads = r.heads / r.kvHeads; pq.outHeadBegin = h0; pq.outHeads = hn;
    pq.posLo = queryPosLo; pq.posHi = r.seqK; pq.blockSize = S; pq.firstBlock = firstQB; pq.nBlocks = nQB;
    pq.nGranularities = nG;
    for (int gi = 0; gi < nG; ++gi) { pq.granularity[gi] = r.granularities[gi]; pq.hi[gi] = qHi[gi]; pq.lo[gi] = qLo[gi]; }
    launchCompositePool(pq, stream);
    PoolParams pk = pq;
    pk.src = r.k; pk.srcHeadStride = r.kHeadStride; pk.groupHeads = 1; pk.posLo = 0; pk.firstBlock = 0; pk.nBlocks = nKB;
    for (int gi = 0; gi < nG; ++gi) { pk.hi[gi] = kHi[gi]; pk.lo[gi] = kLo[gi]; }
    launchCompositePool(pk, stream);
    timer.mark("pool");
    for (int gi = 0; gi < nG; ++gi) {
      const int g = r.granularities[gi], c = S / g;
      EstimateParams e;
      e.qHi = qHi[gi]; e.qLo = qLo[gi]; e.kHi = kHi[gi]; e.kLo = kLo[gi]; e.kvHeads = hn; e.headDim = D;
      e.granularity = g; e.tokensPerComposite = c; e.firstCompQ = firstQB * g; e.nCompQ = nQB * g; e.nCompK = nKB * g;
      e.queryPosLo = queryPosLo; e.seqK = r.seqK; e.scale = r.scale; e.splitPrecision = r.splitPrecision;
      e.blockLse = blockLse; e.rowLse = rowLse; e.nKeyBlocks = nKB;
      e.scores = scores + size_t(h0) * nQB * nKB; e.nQueryBlocks = nQB; e.firstQueryBlock = firstQB;
      e.weight = 1.f / float(nG); e.accumulate = gi > 0;
      launchBlockEstimate(e, stream);
      timer.mark("estimate");
    }
  }

  // The exact check of the last query block: columns for every row and a tau per kv head.
  const bool checked = r.lastBlockCheck && r.tau < 1.f;
  float* headTau = nullptr;
  uint8_t* columns = nullptr;
  if (checked) {
    LastBlockCheckParams c;
    c.q = r.q; c.k = r.k; c.kHeadStride = r.kHeadStride; c.heads = r.heads; c.kvHeads = r.kvHeads; c.headDim = D; c.seqQ = r.seqQ; c.seqK = r.seqK;
    c.blockSize = S; c.scale = r.scale; c.nKeyBlocks = nKB; c.nQueryBlocks = nQB;
    c.tau = r.tau; c.widenedTau = 1.f - (1.f - r.tau) / 3.f; c.checkRecall = r.checkRecall;
    c.minBlocks = r.minBlocks; c.maxBlocks = r.maxBlocks; c.neighbourShare = r.neighbourShare; c.scores = scores;
    const int lastRows = lastBlockRows(r.heads, r.kvHeads, r.seqQ, r.seqK, S);
    c.blockLse = scratch.get<float>(size_t(r.kvHeads) * lastRows * nKB, "allocating the last-block check");
    c.exactShares = scratch.get<float>(size_t(r.heads) * nKB, "allocating the last-block check");
    c.headTau = headTau = scratch.get<float>(r.kvHeads, "allocating the last-block check");
    c.columns = columns = scratch.get<uint8_t>(size_t(r.kvHeads) * nKB, "allocating the last-block check");
    launchLastBlockCheck(c, stream);
    timer.mark("check");
  }

  SelectParams s;
  s.headTau = headTau;
  s.columns = r.maxBlocks > 0 ? nullptr : columns;  // a hard row budget wins over the columns and copy sources
  if (r.maxBlocks <= 0) { s.copyRowPtr = r.copyRowPtr; s.copyBlocks = r.copyBlocks; }
  s.scores = scores; s.kvHeads = r.kvHeads; s.nQueryBlocks = nQB; s.firstQueryBlock = firstQB; s.nKeyBlocks = nKB;
  s.tau = r.tau; s.minBlocks = r.minBlocks; s.maxBlocks = r.maxBlocks; s.neighbourShare = r.neighbourShare;
  s.rowCount = scratch.get<int32_t>(rows, "allocating the plan");
  s.paddedBlocks = scratch.get<int32_t>(size_t(rows) * nKB, "allocating the plan");
  s.paddedScores = scratch.get<float>(size_t(rows) * nKB, "allocating the plan");
  launchBlockSelect(s, stream);
  timer.mark("select");

  DevicePlan out;
  out.kvHeads = r.kvHeads; out.nQueryBlocks = nQB; out.nKeyBlocks = nKB; out.blockSize = S; out.firstQueryBlock = firstQB;
  out.rowPtr = allocate<int32_t>(rows + 1, stream, "allocating the plan row pointers");
  launchRowPtrScan(s.rowCount, rows, out.rowPtr, stream);
  out.causalBlocks = 0;
  for (int bq = firstQB; bq < nKB; ++bq) out.causalBlocks += int64_t(bq + 1) * r.kvHeads;
  int64_t capacity = out.causalBlocks;
  if (!r.sizeForCausal) {
    int32_t total = 0;
    check(cudaMemcpyAsync(&total, out.rowPtr + rows, sizeof(total), cudaMemcpyDeviceToHost, stream), "reading the plan size");
    check(cudaStreamSynchronize(stream), "building the UniSparse plan");
    capacity = total;
  }
  try {
    out.keyBlocks = allocate<int32_t>(capacity, stream, "allocating the plan's key blocks");
    out.keyScores = allocate<float>(capacity, stream, "allocating the plan's key scores");
  } catch (...) {
    freePlan(&out, stream);
    throw;
  }
  launchCompactPlan(s, out.rowPtr, out.keyBlocks, out.keyScores, stream);
  timer.mark("scan+compact");
  out.keptBlocks = r.sizeForCausal ? -1 : capacity;
  *plan = out;
}

void freePlan(DevicePlan* plan, cudaStream_t stream) {
  if (plan->rowPtr) cudaFreeAsync(plan->rowPtr, stream);
  if (plan->keyBlocks) cudaFreeAsync(plan->keyBlocks, stream);
  if (plan->keyScores) cudaFreeAsync(plan->keyScores, stream);
  plan->rowPtr = plan->keyBlocks = nullptr;
  plan->keyScores = nullptr;
}

}  // namespace unisparse::cuda
