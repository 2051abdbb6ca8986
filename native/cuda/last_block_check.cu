// Three small kernels, all off the critical path of the estimate (they read only q, k and the last row of A):
// 1. one CTA per (key block, kv head): each thread scores one query row of the last block against the block's
//    keys in fp32 and writes the row's log-sum-exp over that block;
// 2. one CTA per (query head of the group, kv head): mean over positions of exp(blockLse - rowLse);
// 3. one CTA per kv head: the estimate's selection of the last row (the row rule of block_selection.cu), the
//    check against the exact shares, then, for a head that fails it, the columns (per query head, blocks by
//    exact share until tau).
#include "last_block_check.h"
#include "cuda_check.h"
#include "select_by_share.cuh"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kLseThreads = 128;

struct LastBlockGeometry {
  int group, positions, firstPos, offset;
};

__device__ __forceinline__ LastBlockGeometry geometry(const LastBlockCheckParams& p) {
  LastBlockGeometry g;
  g.group = p.heads / p.kvHeads;
  g.offset = p.seqK - p.seqQ;
  g.firstPos = max((p.nKeyBlocks - 1) * p.blockSize, g.offset);
  g.positions = p.seqK - g.firstPos;
  return g;
}

template <int D>
__global__ void __launch_bounds__(kLseThreads) exactBlockLseKernel(LastBlockCheckParams p) {
  // Keys as fp32 in shared memory (converted once per CTA): the inner loop is one 16-byte load per 4 FMAs instead
  // of a load and two conversions per 2. The accumulation order over the head dim is the CPU's (sequential).
  extern __shared__ __align__(16) unsigned char smem[];
  float* keys = reinterpret_cast<float*>(smem);  // [blockSize][D]
  const int kb = blockIdx.x, kvHead = blockIdx.y, tid = threadIdx.x;
  const LastBlockGeometry g = geometry(p);
  const int keyFirst = kb * p.blockSize, keyCount = min(p.blockSize, p.seqK - keyFirst);
  const int64_t kStride = p.kHeadStride ? p.kHeadStride : (int64_t)p.seqK * D;
  const __nv_bfloat16* kSrc = p.k + (int64_t)kvHead * kStride + (int64_t)keyFirst * D;
  for (int i = tid; i < keyCount * D; i += kLseThreads) keys[i] = __bfloat162float(kSrc[i]);
  __syncthreads();
  const int rows = g.group * g.positions;
  for (int r = tid; r < rows; r += kLseThreads) {
    const int h = kvHead * g.group + r / g.positions, pos = g.firstPos + r % g.positions;
    const __nv_bfloat16* qRow = p.q + ((int64_t)h * p.seqQ + (pos - g.offset)) * D;
    float qv[D];
    #pragma unroll
    for (int c = 0; c < D; ++c) qv[c] = __bfloat162float(qRow[c]) * p.scale;
    const int visible = min(keyCount, pos - keyFirst + 1);
    float m = -INFINITY, sum = 0.f;
    for (int j = 0; j < visible; ++j) {
      const float4* kr = reinterpret_cast<const float4*>(keys + j * D);
      float dot = 0.f;
      #pragma unroll
      for (int c = 0; c < D / 4; ++c) {
        const float4 kf = kr[c];
        dot = fmaf(qv[4 * c], kf.x, dot);
        dot = fmaf(qv[4 * c + 1], kf.y, dot);
        dot = fmaf(qv[4 * c + 2], kf.z, dot);
        dot = fmaf(qv[4 * c + 3], kf.w, dot);
      }
      if (dot > m) { sum = sum * __expf(m - dot) + 1.f; m = dot; }
      else sum += __expf(dot - m);
    }
    p.blockLse[((int64_t)kvHead * rows + r) * p.nKeyBlocks + kb] = visible > 0 ? m + __logf(sum) : -INFINITY;
  }
}

__device__ float blockMax(float x) {
  __shared__ float part[kSelectThreads / 32];
  for (int off = 16; off > 0; off >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, off));
  if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = x;
  __syncthreads();
  float r = part[0];
  for (int w = 1; w < kSelectThreads / 32; ++w) r = fmaxf(r, part[w]);
  __syncthreads();
  return r;
}

__device__ float blockSum(float x) {
  __shared__ float part[kSelectThreads / 32];
  for (int off = 16; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = x;
  __syncthreads();
  float r = 0.f;
  for (int w = 0; w < kSelectThreads / 32; ++w) r += part[w];
  __syncthreads();
  return r;
}

__global__ void __launch_bounds__(kSelectThreads) exactSharesKernel(LastBlockCheckParams p) {
  const int h = blockIdx.x, kvHead = blockIdx.y, tid = threadIdx.x;
  const LastBlockGeometry g = geometry(p);
  const int rows = g.group * g.positions;
  float* shares = p.exactShares + ((int64_t)kvHead * g.group + h) * p.nKeyBlocks;
  for (int b = tid; b < p.nKeyBlocks; b += kSelectThreads) shares[b] = 0.f;
  __syncthreads();
  for (int pIdx = 0; pIdx < g.positions; ++pIdx) {
    const float* lse = p.blockLse + ((int64_t)kvHead * rows + h * g.positions + pIdx) * p.nKeyBlocks;
    float m = -INFINITY;
    for (int b = tid; b < p.nKeyBlocks; b += kSelectThreads) m = fmaxf(m, lse[b]);
    m = blockMax(m);
    float total = 0.f;
    for (int b = tid; b < p.nKeyBlocks; b += kSelectThreads) total += lse[b] == -INFINITY ? 0.f : __expf(lse[b] - m);
    total = blockSum(total);
    for (int b = tid; b < p.nKeyBlocks; b += kSelectThreads)
      if (lse[b] != -INFINITY) shares[b] += __expf(lse[b] - m) / total / float(g.positions);
  }
}

__global__ void __launch_bounds__(kSelectThreads) checkAndColumnsKernel(LastBlockCheckParams p) {
  extern __shared__ __align__(16) unsigned char smem[];
  unsigned long long* keys = reinterpret_cast<unsigned long long*>(smem);
  int keyCapacity = 1;
  while (keyCapacity < p.nKeyBlocks) keyCapacity <<= 1;
  unsigned char* kept = reinterpret_cast<unsigned char*>(keys + keyCapacity);  // [nKeyBlocks]
  const int kvHead = blockIdx.x, tid = threadIdx.x;
  const LastBlockGeometry g = geometry(p);
  const int bq = p.nKeyBlocks - 1;
  const float* a = p.scores + ((int64_t)kvHead * p.nQueryBlocks + p.nQueryBlocks - 1) * p.nKeyBlocks;

  // The estimate's own selection of the last row, as selectKernel makes it with the base tau.
  for (int i = tid; i < p.nKeyBlocks; i += kSelectThreads) kept[i] = 0;
  __syncthreads();
  const int nCand = bq > 1 ? bq - 1 : 0;
  if (p.tau < 1.f && nCand > 0) {
    sortByShare(a, 1, nCand, keys);
    int r = countBelowTau(keys, nCand, cleanShare(a[0]) + (bq > 0 ? cleanShare(a[bq]) : 0.f), p.tau);
    const int forced = bq > 0 ? 2 : 1;
    if (p.minBlocks > 0 && forced + r < p.minBlocks) r = min(nCand, p.minBlocks - forced);
    if (p.maxBlocks > 0 && forced + r > p.maxBlocks) r = max(0, p.maxBlocks - forced);
    for (int i = tid; i < r; i += kSelectThreads) {
      kept[(unsigned int)keys[i]] = 1;
      keepNeighbours(keys[i], p.neighbourShare, p.maxBlocks, kept);  // the selection as selectKernel makes it
    }
  } else {
    for (int i = tid; i < nCand; i += kSelectThreads) kept[1 + i] = 1;
  }
  __syncthreads();
  if (tid == 0) { kept[0] = 1; kept[bq] = 1; }
  __syncthreads();

  float worst = 1.f;
  for (int h = 0; h < g.group; ++h) {
    const float* shares = p.exactShares + ((int64_t)kvHead * g.group + h) * p.nKeyBlocks;
    float held = 0.f;
    for (int b = tid; b < p.nKeyBlocks; b += kSelectThreads) held += kept[b] ? shares[b] : 0.f;
    worst = fminf(worst, blockSum(held));
  }
  const bool failed = worst < p.checkRecall;  // the same value in every thread (blockSum broadcasts)
  if (tid == 0) p.headTau[kvHead] = failed ? p.widenedTau : p.tau;

  // Columns, only for a head that failed the check: per query head, its blocks by exact share until tau;
  // united over the group.
  uint8_t* columns = p.columns + (int64_t)kvHead * p.nKeyBlocks;
  for (int i = tid; i < p.nKeyBlocks; i += kSelectThreads) columns[i] = 0;
  __syncthreads();
  for (int h = 0; failed && h < g.group; ++h) {
    const float* shares = p.exactShares + ((int64_t)kvHead * g.group + h) * p.nKeyBlocks;
    sortByShare(shares, 0, p.nKeyBlocks, keys);
    const int r = countBelowTau(keys, p.nKeyBlocks, 0.f, p.tau);
    for (int i = tid; i < r; i += kSelectThreads) columns[(unsigned int)keys[i]] = 1;
    __syncthreads();
  }
}

}  // namespace

int lastBlockRows(int heads, int kvHeads, int seqQ, int seqK, int blockSize) {
  const int nKeyBlocks = (seqK + blockSize - 1) / blockSize;
  const int firstPos = std::max((nKeyBlocks - 1) * blockSize, seqK - seqQ);
  return (heads / kvHeads) * (seqK - firstPos);
}

void launchLastBlockCheck(const LastBlockCheckParams& p, cudaStream_t stream) {
  const int lseSmem = p.blockSize * p.headDim * 4;
  dim3 lseGrid(p.nKeyBlocks, p.kvHeads);
  auto runLse = [&](auto kernel) {
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, lseSmem),
          "raising the last-block check kernel's shared-memory limit");
    kernel<<<lseGrid, kLseThreads, lseSmem, stream>>>(p);
  };
  if (p.headDim == 64) runLse(exactBlockLseKernel<64>);
  else if (p.headDim == 128) runLse(exactBlockLseKernel<128>);
  else throw std::runtime_error("UniSparse CUDA last-block check supports head dims 64 and 128; got " +
                                std::to_string(p.headDim) + ".");
  checkLaunch("the last-block exact scoring kernel");
  exactSharesKernel<<<dim3(p.heads / p.kvHeads, p.kvHeads), kSelectThreads, 0, stream>>>(p);
  checkLaunch("the last-block share kernel");
  int n = 1;
  while (n < p.nKeyBlocks) n <<= 1;
  const int smemBytes = n * 8 + p.nKeyBlocks + 16;
  check(cudaFuncSetAttribute(checkAndColumnsKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
        "raising the last-block check kernel's shared-memory limit");
  checkAndColumnsKernel<<<p.kvHeads, kSelectThreads, smemBytes, stream>>>(p);
  checkLaunch("the last-block check kernel");
}

}  // namespace unisparse::cuda
