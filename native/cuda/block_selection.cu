// Selection kernels. One CTA per plan row sorts the row's candidate blocks (bitonic, in shared memory; without
// budgets only those that can reach tau, select_by_share.cuh) by
// (share descending, index ascending) packed into one 64-bit key, takes an exclusive prefix sum of the sorted
// shares, and keeps candidates while sink + diagonal + the shares before them stay under tau: the CPU
// planner's sequential rule, computed in parallel.
#include "block_selection.h"
#include "cuda_check.h"
#include "select_by_share.cuh"
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kThreads = kSelectThreads;

__global__ void selectKernel(SelectParams p) {
  extern __shared__ __align__(16) unsigned char smem[];
  unsigned long long* keys = reinterpret_cast<unsigned long long*>(smem);
  __shared__ int warpCounts[kThreads / 32];

  const int bqRel = blockIdx.x, head = blockIdx.y, tid = threadIdx.x;
  const int bq = p.firstQueryBlock + bqRel;
  const int64_t row = (int64_t)head * p.nQueryBlocks + bqRel;
  const float* a = p.scores + row * p.nKeyBlocks;
  int32_t* outBlocks = p.paddedBlocks + row * p.nKeyBlocks;
  float* outScores = p.paddedScores + row * p.nKeyBlocks;
  int keyCapacity = 1;  // the sort buffer holds nextpow2(nKeyBlocks) keys; the keep flags follow it
  while (keyCapacity < p.nKeyBlocks) keyCapacity <<= 1;
  unsigned char* keep = reinterpret_cast<unsigned char*>(keys + keyCapacity);  // [nKeyBlocks] flags
  const float tau = p.headTau ? p.headTau[head] : p.tau;

  for (int i = tid; i <= bq; i += kThreads) keep[i] = 0;
  const int nCand = bq > 1 ? bq - 1 : 0;  // blocks 1 .. bq-1 compete; 0 and bq are always kept
  const bool keepAll = tau >= 1.f && p.maxBlocks <= 0;
  __syncthreads();

  int r = 0;
  if (!keepAll && nCand > 0) {
    const float base = cleanShare(a[0]) + (bq > 0 ? cleanShare(a[bq]) : 0.f);
    // Without budgets only the candidates that can be taken are sorted; a budget may take any of them.
    const bool budgets = p.minBlocks > 0 || p.maxBlocks > 0 || tau >= 1.f;
    int sorted = nCand;
    if (budgets) sortByShare(a, 1, nCand, keys);
    else sorted = sortTauContenders(a, 1, nCand, base, tau, keys);
    r = countBelowTau(keys, sorted, base, tau);
    if (tau >= 1.f) r = nCand;
    const int forced = bq > 0 ? 2 : 1;
    if (p.minBlocks > 0 && forced + r < p.minBlocks) r = min(nCand, p.minBlocks - forced);
    if (p.maxBlocks > 0 && forced + r > p.maxBlocks) r = max(0, p.maxBlocks - forced);
    for (int i = tid; i < r; i += kThreads) {
      keep[(unsigned int)keys[i]] = 1;
      keepNeighbours(keys[i], p.neighbourShare, p.maxBlocks, keep);  // as the CPU's select_row
    }
  } else if (keepAll) {
    for (int i = tid; i < nCand; i += kThreads) keep[1 + i] = 1;
  }
  __syncthreads();
  // Columns of the last-block check: kept in every row they are causal for, beyond the budgets.
  if (p.columns)
    for (int i = tid; i <= bq; i += kThreads)
      if (p.columns[(int64_t)head * p.nKeyBlocks + i]) keep[i] = 1;
  // Copy sources of this query block: the same for every kv head (they come from the tokens).
  if (p.copyRowPtr)
    for (int i = p.copyRowPtr[bqRel] + tid; i < p.copyRowPtr[bqRel + 1]; i += kThreads) keep[p.copyBlocks[i]] = 1;
  if (tid == 0) { keep[0] = 1; keep[bq] = 1; }
  __syncthreads();

  // Emit kept blocks in ascending order: a warp-ballot compaction, one 256-block window at a time.
  __shared__ int windowBase;
  if (tid == 0) windowBase = 0;
  __syncthreads();
  for (int start = 0; start <= bq; start += kThreads) {
    const int i = start + tid;
    const bool k = i <= bq && keep[i];
    const unsigned int ballot = __ballot_sync(0xffffffffu, k);
    if ((tid & 31) == 0) warpCounts[tid >> 5] = __popc(ballot);
    __syncthreads();
    int offset = windowBase;
    for (int w = 0; w < (tid >> 5); ++w) offset += warpCounts[w];
    offset += __popc(ballot & ((1u << (tid & 31)) - 1u));
    if (k) { outBlocks[offset] = i; outScores[offset] = cleanShare(a[i]); }
    __syncthreads();
    if (tid == 0) for (int w = 0; w < kThreads / 32; ++w) windowBase += warpCounts[w];
    __syncthreads();
  }
  if (tid == 0) p.rowCount[row] = windowBase;
}

__global__ void rowPtrScanKernel(const int32_t* count, int rows, int32_t* rowPtr) {
  __shared__ int totals[1024];
  const int tid = threadIdx.x, per = (rows + 1023) / 1024;
  const int lo = min(tid * per, rows), hi = min(lo + per, rows);
  int local = 0;
  for (int i = lo; i < hi; ++i) local += count[i];
  totals[tid] = local;
  __syncthreads();
  if (tid == 0) {
    int run = 0;
    for (int t = 0; t < 1024; ++t) { const int x = totals[t]; totals[t] = run; run += x; }
    rowPtr[rows] = run;
  }
  __syncthreads();
  int run = totals[tid];
  for (int i = lo; i < hi; ++i) { rowPtr[i] = run; run += count[i]; }
}

__global__ void compactKernel(SelectParams p, const int32_t* rowPtr, int32_t* keyBlocks, float* keyScores) {
  const int64_t row = blockIdx.x;
  const int begin = rowPtr[row], n = rowPtr[row + 1] - begin;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    keyBlocks[begin + i] = p.paddedBlocks[row * p.nKeyBlocks + i];
    keyScores[begin + i] = p.paddedScores[row * p.nKeyBlocks + i];
  }
}

}  // namespace

void launchBlockSelect(const SelectParams& p, cudaStream_t stream) {
  if (p.nKeyBlocks > kMaxSelectKeyBlocks)
    throw std::runtime_error("UniSparse CUDA selection handles at most " + std::to_string(kMaxSelectKeyBlocks) +
                             " key blocks per row; got " + std::to_string(p.nKeyBlocks) +
                             ". Use blockSize 128 or a shorter context.");
  int n = 1;
  while (n < p.nKeyBlocks) n <<= 1;
  const int smemBytes = n * 8 + p.nKeyBlocks + 16;
  check(cudaFuncSetAttribute(selectKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
        "raising the selection kernel's shared-memory limit");
  dim3 grid(p.nQueryBlocks, p.kvHeads);
  selectKernel<<<grid, kThreads, smemBytes, stream>>>(p);
  checkLaunch("the UniSparse selection kernel");
}

void launchRowPtrScan(const int32_t* rowCount, int rows, int32_t* rowPtr, cudaStream_t stream) {
  rowPtrScanKernel<<<1, 1024, 0, stream>>>(rowCount, rows, rowPtr);
  checkLaunch("the plan row-pointer scan");
}

void launchCompactPlan(const SelectParams& p, const int32_t* rowPtr, int32_t* keyBlocks, float* keyScores,
                       cudaStream_t stream) {
  compactKernel<<<p.kvHeads * p.nQueryBlocks, 128, 0, stream>>>(p, rowPtr, keyBlocks, keyScores);
  checkLaunch("the plan compaction kernel");
}

}  // namespace unisparse::cuda
