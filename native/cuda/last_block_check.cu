// Three small kernels, all off the critical path of the estimate (they read only q, k and the last row of A):
// 1. per kv head, CTAs of four warps, each warp 16 query rows of the last block: scores them against every key
//    block on tensor cores and writes each row's log-sum-exp over each block;
// 2. one CTA per (query head of the group, kv head): mean over positions of exp(blockLse - rowLse);
// 3. one CTA per kv head: the estimate's selection of the last row (the row rule of block_selection.cu), the
//    check against the exact shares, then, for a head that fails it, the columns (per query head, blocks by
//    exact share until tau).
#include "last_block_check.h"
#include "cuda_check.h"
#include "mma_primitives.cuh"
#include "select_by_share.cuh"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kLseWarps = 4;
constexpr int kLseThreads = kLseWarps * 32;

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

__device__ __forceinline__ uint32_t loadPair(const __nv_bfloat16* p) {
  return __ldg(reinterpret_cast<const unsigned int*>(p));
}

// Each warp owns 16 rows of the last block and holds their query fragments in registers; the CTA walks key blocks
// kb = blockIdx.x, + gridDim.x, ..., staging each block's keys in shared memory (cp.async, double-buffered, read with
// ldmatrix as the flash kernel reads K). Per block a warp scores its rows on tensor cores (mma.sync m16n8k16, bf16
// in, fp32 accumulate; the scale multiplies the fp32 dot products, as q * scale . k does on the CPU to within
// rounding) and reduces each row's max and sum of exponentials across the four lanes that hold it. At 128K tokens and
// 32 heads on an H200: a scalar fp32 kernel that read each key from shared memory per multiply-add ran at the
// shared-memory port's pace, 7.0 ms (CUDA events); fragments read straight from global memory took 1.2 ms, bound by
// L1; this one takes 0.38 ms (both by Nsight Compute).
template <int D, int S>
__global__ void __launch_bounds__(kLseThreads) exactBlockLseKernel(LastBlockCheckParams p) {
  constexpr int kChunks = D / 8, kTileBytes = S * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t tiles = mma::smemAddress(smem);  // two swizzled [S][D] key tiles
  const int kvHead = blockIdx.y, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const LastBlockGeometry g = geometry(p);
  const int rows = g.group * g.positions;
  const int tile = blockIdx.z * kLseWarps + warp;
  const bool active = tile * 16 < rows;  // a warp without rows still loads keys and meets the barriers
  const int quadRow = lane >> 2, quadCol = (lane & 3) * 2;
  const int rowOf[2] = {tile * 16 + quadRow, tile * 16 + quadRow + 8};
  int posOf[2];
  uint32_t a[D / 16][4];
  #pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int r = rowOf[half];
    const int h = kvHead * g.group + r / g.positions;
    posOf[half] = g.firstPos + r % g.positions;
    const __nv_bfloat16* qRow = p.q + ((int64_t)h * p.seqQ + (posOf[half] - g.offset)) * D;
    #pragma unroll
    for (int ks = 0; ks < D / 16; ++ks) {
      a[ks][half] = r < rows ? loadPair(qRow + ks * 16 + quadCol) : 0u;
      a[ks][half + 2] = r < rows ? loadPair(qRow + ks * 16 + quadCol + 8) : 0u;
    }
  }
  // ldmatrix x4 offsets: chunk 8m + c of key row r sits at 8m + (c ^ (r & 7)) (mma::swizzledOffset).
  int kOff[4];
  #pragma unroll
  for (int c = 0; c < 4; ++c)
    kOff[c] = (((lane & 7) + ((lane >> 4) << 3)) * kChunks + ((2 * c + ((lane >> 3) & 1)) ^ (lane & 7))) * 16;
  const int64_t kStride = p.kHeadStride ? p.kHeadStride : (int64_t)p.seqK * D;
  const __nv_bfloat16* kHead = p.k + (int64_t)kvHead * kStride;

  int kb = blockIdx.x;
  if (kb < p.nKeyBlocks) {
    mma::loadSwizzledRows<D, S, kLseThreads>(tiles, kHead, kb * S, p.seqK, tid);
    mma::cpAsyncCommit();
  }
  for (int j = 0; kb < p.nKeyBlocks; ++j, kb += gridDim.x) {
    const int buf = j & 1;
    if (kb + (int)gridDim.x < p.nKeyBlocks) {
      mma::loadSwizzledRows<D, S, kLseThreads>(tiles + (buf ^ 1) * kTileBytes, kHead, (kb + gridDim.x) * S, p.seqK, tid);
      mma::cpAsyncCommit();
      mma::cpAsyncWait<1>();
    } else {
      mma::cpAsyncWait<0>();
    }
    __syncthreads();
    if (active) {
      const int keyFirst = kb * S, keyCount = min(S, p.seqK - keyFirst);
      const uint32_t kBuf = tiles + buf * kTileBytes;
      float acc[S / 8][4];
      #pragma unroll
      for (int nt = 0; nt < S / 8; ++nt) acc[nt][0] = acc[nt][1] = acc[nt][2] = acc[nt][3] = 0.f;
      #pragma unroll
      for (int kk = 0; kk < D / 16; ++kk)
        #pragma unroll
        for (int np = 0; np < S / 16; ++np) {
          uint32_t b[4];
          mma::ldmatrixX4(b, kBuf + kOff[kk & 3] + (kk >> 2) * 128 + np * 16 * kChunks * 16);
          mma::mma16816(acc[2 * np], a[kk], b[0], b[1]);
          mma::mma16816(acc[2 * np + 1], a[kk], b[2], b[3]);
        }
      // This lane holds keys nt * 8 + quadCol + {0, 1} of rows rowOf[0] (acc[nt][0..1]) and rowOf[1] (acc[nt][2..3]).
      #pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int r = rowOf[half];
        const int visible = r < rows ? min(keyCount, posOf[half] - keyFirst + 1) : 0;
        float m = -INFINITY;
        #pragma unroll
        for (int nt = 0; nt < S / 8; ++nt)
          #pragma unroll
          for (int e = 0; e < 2; ++e)
            if (nt * 8 + quadCol + e < visible) m = fmaxf(m, acc[nt][2 * half + e] * p.scale);
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
        float sum = 0.f;
        #pragma unroll
        for (int nt = 0; nt < S / 8; ++nt)
          #pragma unroll
          for (int e = 0; e < 2; ++e)
            if (nt * 8 + quadCol + e < visible) sum += __expf(acc[nt][2 * half + e] * p.scale - m);
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        if ((lane & 3) == 0 && r < rows)
          p.blockLse[((int64_t)kvHead * rows + r) * p.nKeyBlocks + kb] = visible > 0 ? m + __logf(sum) : -INFINITY;
      }
    }
    __syncthreads();  // the next iteration's load overwrites the tile this one read
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
    const float base = cleanShare(a[0]) + (bq > 0 ? cleanShare(a[bq]) : 0.f);
    int sorted = nCand;
    if (p.minBlocks > 0 || p.maxBlocks > 0) sortByShare(a, 1, nCand, keys);
    else sorted = sortTauContenders(a, 1, nCand, base, p.tau, keys);
    int r = countBelowTau(keys, sorted, base, p.tau);
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
  if ((p.headDim != 64 && p.headDim != 128) || (p.blockSize != 64 && p.blockSize != 128))
    throw std::runtime_error("UniSparse CUDA last-block check supports head dims 64 and 128 and blocks of 64 and 128; got head dim " +
                             std::to_string(p.headDim) + ", block " + std::to_string(p.blockSize) + ".");
  auto lse = p.headDim == 64 ? (p.blockSize == 64 ? exactBlockLseKernel<64, 64> : exactBlockLseKernel<64, 128>)
                             : (p.blockSize == 64 ? exactBlockLseKernel<128, 64> : exactBlockLseKernel<128, 128>);
  // About eight CTAs per SM (132 on an H100/H200) over all kv heads and row tiles of 64; each CTA walks its share
  // of the key blocks with its queries held in registers.
  const int rows = lastBlockRows(p.heads, p.kvHeads, p.seqQ, p.seqK, p.blockSize);
  const int rowTiles = (rows + 16 * kLseWarps - 1) / (16 * kLseWarps);
  const int split = std::max(1, std::min(p.nKeyBlocks, 1056 / std::max(1, p.kvHeads * rowTiles)));
  const int tileBytes = 2 * p.blockSize * p.headDim * 2;
  check(cudaFuncSetAttribute(lse, cudaFuncAttributeMaxDynamicSharedMemorySize, tileBytes),
        "raising the last-block scoring kernel's shared-memory limit");
  lse<<<dim3(split, p.kvHeads, rowTiles), kLseThreads, tileBytes, stream>>>(p);
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
