// Estimate kernels. Pass 1 (tensor cores): a warp takes 16 composite query rows against 64-key tiles of
// composite keys and records, per row and key block, the log2-sum-exp of its visible logits, plus the running
// log2-sum-exp of its slice of the row's keys; no logits stored. The keys are cut into slices (grid z) because a
// prefill chunk has few composite query rows: 8K queries at 16 composites per 128-token block are 16 CTAs, a
// tenth of the GPU, and each would walk all 16K composite keys of a 128K context alone. Pass 2: the row's
// log2-sum-exp from its slices, then A_g[bq][bk] = mean over the non-empty composite queries of bq of
// 2^(blockLse - rowLse). Logits are near-fp32 by default (each composite
// is split into two bf16 halves and multiplied three ways), so the plan matches the CPU's float plan.
#include "block_score_estimate.h"
#include "mma_primitives.cuh"
#include "cuda_check.h"
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kRows = 64, kKeys = 64, kThreads = 128;

__device__ __forceinline__ bool compositeQueryPresent(const EstimateParams& p, int absComposite) {
  const int from = absComposite * p.tokensPerComposite;
  return from < p.seqK && from + p.tokensPerComposite > p.queryPosLo;
}

template <int D>
__device__ __forceinline__ void loadRows(uint32_t smemBase, const __nv_bfloat16* src, int firstRow, int nRows, int tid) {
  constexpr int kChunks = D / 8;
  for (int c = tid; c < 64 * kChunks; c += kThreads) {
    const int row = c / kChunks, chunk = c % kChunks;
    const bool valid = firstRow + row < nRows;
    const __nv_bfloat16* g = src + (valid ? (int64_t)(firstRow + row) * D + chunk * 8 : 0);
    mma::cpAsync16(smemBase + mma::swizzledOffset<kChunks>(row, chunk), g, valid ? 16 : 0);
  }
}

template <int D, int G, bool kSplit>
__global__ void __launch_bounds__(kThreads) blockLseKernel(EstimateParams p) {
  constexpr int kChunks = D / 8, kTileBytes = 64 * D * 2;
  constexpr int kTilesPerGroup = G >= 8 ? G / 8 : 1;   // n8 accumulator tiles covering one key block
  constexpr int kLanesPerGroup = G >= 8 ? 4 : G / 2;   // quad lanes that share one key block
  constexpr int kParts = kSplit ? 2 : 1;  // hi (and lo) halves of each tile
  extern __shared__ __align__(128) unsigned char smem[];
  // Layout: Q hi [, Q lo], then two key stages of hi [, lo]: the bf16-only estimate needs half the memory,
  // so more CTAs share an SM.
  const uint32_t qHiS = mma::smemAddress(smem), qLoS = qHiS + kTileBytes;
  auto kHiS = [&](int stage) { return qHiS + (kParts + stage * kParts) * kTileBytes; };
  auto kLoS = [&](int stage) { return kHiS(stage) + kTileBytes; };
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int head = blockIdx.y, slice = blockIdx.z;
  // The last rows see the most keys: launch them first so the causal tail does not run alone at the end.
  const int rowBase = (gridDim.x - 1 - blockIdx.x) * kRows;  // relative composite query row of this CTA's row 0
  const __nv_bfloat16* qHi = p.qHi + (int64_t)head * p.nCompQ * D;
  const __nv_bfloat16* qLo = p.qLo + (int64_t)head * p.nCompQ * D;
  const __nv_bfloat16* kHi = p.kHi + (int64_t)head * p.nCompK * D;
  const __nv_bfloat16* kLo = p.kLo + (int64_t)head * p.nCompK * D;

  loadRows<D>(qHiS, qHi, rowBase, p.nCompQ, tid);
  if (kSplit) loadRows<D>(qLoS, qLo, rowBase, p.nCompQ, tid);
  mma::cpAsyncCommit();
  mma::cpAsyncWait<0>();
  __syncthreads();
  uint32_t aHi[D / 16][4], aLo[kSplit ? D / 16 : 1][4];
  #pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const uint32_t off = mma::swizzledOffset<kChunks>(warp * 16 + (lane & 15), kk * 2 + (lane >> 4));
    mma::ldmatrixX4(aHi[kk], qHiS + off);
    if constexpr (kSplit) mma::ldmatrixX4(aLo[kk], qLoS + off);
  }

  const float scaleLog2 = p.scale * 1.4426950408889634f;
  const int rowRel[2] = {rowBase + warp * 16 + (lane >> 2), rowBase + warp * 16 + (lane >> 2) + 8};
  const int rowAbs[2] = {p.firstCompQ + rowRel[0], p.firstCompQ + rowRel[1]};
  const int warpFirstAbs = p.firstCompQ + rowBase + warp * 16, warpLastAbs = warpFirstAbs + 15;
  const int sliceBegin = slice * p.keysPerSlice;
  const int ctaLastAbs = min(min(p.firstCompQ + rowBase + kRows - 1, p.nCompK - 1), sliceBegin + p.keysPerSlice - 1);
  float runMax[2] = {-INFINITY, -INFINITY}, runSum[2] = {0.f, 0.f};

  // Two-stage cp.async pipeline over the key tiles: tile t+1 loads while tile t is multiplied. A slice wholly in
  // the future of these rows loads nothing and leaves -inf partials.
  if (sliceBegin <= ctaLastAbs) {
    loadRows<D>(kHiS(0), kHi, sliceBegin, p.nCompK, tid);
    if (kSplit) loadRows<D>(kLoS(0), kLo, sliceBegin, p.nCompK, tid);
    mma::cpAsyncCommit();
  }
  for (int keyBase = sliceBegin, stage = 0; keyBase <= ctaLastAbs; keyBase += kKeys, stage ^= 1) {
    if (keyBase + kKeys <= ctaLastAbs) {
      loadRows<D>(kHiS(stage ^ 1), kHi, keyBase + kKeys, p.nCompK, tid);
      if (kSplit) loadRows<D>(kLoS(stage ^ 1), kLo, keyBase + kKeys, p.nCompK, tid);
      mma::cpAsyncCommit();
      mma::cpAsyncWait<1>();
    } else {
      mma::cpAsyncWait<0>();
    }
    __syncthreads();
    if (keyBase <= warpLastAbs) {  // else every key of this tile is in this warp's future
    const uint32_t kHiStage = kHiS(stage), kLoStage = kLoS(stage);
    float s[8][4];
    #pragma unroll
    for (int i = 0; i < 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
    #pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      #pragma unroll
      for (int np = 0; np < 4; ++np) {
        const uint32_t off = mma::swizzledOffset<kChunks>(np * 16 + (lane & 7) + ((lane >> 4) << 3), kk * 2 + ((lane >> 3) & 1));
        uint32_t bh[4];
        mma::ldmatrixX4(bh, kHiStage + off);
        mma::mma16816(s[2 * np], aHi[kk], bh[0], bh[1]);
        mma::mma16816(s[2 * np + 1], aHi[kk], bh[2], bh[3]);
        if constexpr (kSplit) {
          uint32_t bl[4];
          mma::ldmatrixX4(bl, kLoStage + off);
          mma::mma16816(s[2 * np], aHi[kk], bl[0], bl[1]);
          mma::mma16816(s[2 * np + 1], aHi[kk], bl[2], bl[3]);
          mma::mma16816(s[2 * np], aLo[kk], bh[0], bh[1]);
          mma::mma16816(s[2 * np + 1], aLo[kk], bh[2], bh[3]);
        }
      }
    }
    // Mask: composite key index <= composite query index (causal at composite granularity), key present.
    // Only tiles that reach the warp's first row or the last present key need it; the rest just scale.
    const bool needMask = keyBase + kKeys - 1 > warpFirstAbs || (keyBase + kKeys) * p.tokensPerComposite > p.seqK;
    if (needMask) {
      #pragma unroll
      for (int nt = 0; nt < 8; ++nt)
        #pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int key = keyBase + nt * 8 + 2 * (lane & 3) + (e & 1);
          const bool visible = key <= rowAbs[e >> 1] && key < p.nCompK && key * p.tokensPerComposite < p.seqK;
          s[nt][e] = visible ? s[nt][e] * scaleLog2 : -INFINITY;
        }
    } else {
      #pragma unroll
      for (int nt = 0; nt < 8; ++nt)
        #pragma unroll
        for (int e = 0; e < 4; ++e) s[nt][e] *= scaleLog2;
    }

    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      // One max per row and tile (not per key block): every block's sum is taken relative to it, so a block
      // costs one shuffle-reduced sum and one log2. A block more than ~2^-126 below the tile max underflows to
      // an empty block, whose share is below float resolution on the CPU too.
      float tileMax = -INFINITY;
      #pragma unroll
      for (int nt = 0; nt < 8; ++nt) tileMax = fmaxf(tileMax, fmaxf(s[nt][2 * h], s[nt][2 * h + 1]));
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 1));
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 2));
      // All lanes run the shuffles below (full-warp masks), so a fully masked row is neutralised, not skipped.
      const float base = tileMax == -INFINITY ? 0.f : tileMax;
      float ownSum = 0.f;
      #pragma unroll
      for (int gi = 0; gi < 8 / kTilesPerGroup; ++gi) {
        const int nt0 = gi * kTilesPerGroup;
        float gs = 0.f;
        #pragma unroll
        for (int t = 0; t < kTilesPerGroup; ++t)
          gs += exp2f(s[nt0 + t][2 * h] - base) + exp2f(s[nt0 + t][2 * h + 1] - base);
        ownSum += gs;
        #pragma unroll
        for (int off = 1; off < kLanesPerGroup; off <<= 1) gs += __shfl_xor_sync(0xffffffffu, gs, off);
        const int group = G >= 8 ? gi : (nt0 * 8 + 2 * (lane & 3)) / G;
        const int keyBlock = keyBase / G + group;
        const int rowBlock = rowAbs[h] / G;
        if ((lane & 3) % kLanesPerGroup == 0 && rowRel[h] < p.nCompQ && keyBlock <= rowBlock)
          p.blockLse[((int64_t)head * p.nCompQ + rowRel[h]) * p.nKeyBlocks + keyBlock] =
              gs > 0.f ? base + log2f(gs) : -INFINITY;
      }
      // Running row sum: this thread's own terms; the quad is reduced once at the end.
      const float newMax = fmaxf(runMax[h], tileMax);
      if (newMax != -INFINITY) {
        runSum[h] = runSum[h] * exp2f(runMax[h] - newMax) + ownSum * exp2f(base - newMax);
        runMax[h] = newMax;
      }
    }
    }  // keyBase <= warpLastAbs
    __syncthreads();  // everyone is done with this stage before it is refilled
  }
  #pragma unroll
  for (int h = 0; h < 2; ++h) {
    // Lanes of a quad may hold different running maxima: rescale to the quad's max before summing.
    float m = runMax[h];
    m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
    m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
    float sum = m == -INFINITY ? 0.f : runSum[h] * exp2f(runMax[h] - m);
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    if ((lane & 3) == 0 && rowRel[h] < p.nCompQ)
      p.rowLse[((int64_t)slice * p.kvHeads + head) * p.nCompQ + rowRel[h]] = m == -INFINITY ? -INFINITY : m + log2f(sum);
  }
}

// The row's log2-sum-exp over its key slices (each -inf when the slice saw no visible key), written over the
// first slice's entry: one thread per row, so no other thread reads the entries it replaces.
__global__ void combineRowSlicesKernel(EstimateParams p) {
  const int rel = blockIdx.x * blockDim.x + threadIdx.x, head = blockIdx.y;
  if (rel >= p.nCompQ) return;
  auto at = [&](int s) { return p.rowLse + ((int64_t)s * p.kvHeads + head) * p.nCompQ + rel; };
  float m = -INFINITY;
  for (int s = 0; s < p.keySlices; ++s) m = fmaxf(m, *at(s));
  if (m == -INFINITY) return;  // the first entry already says -inf
  float sum = 0.f;
  for (int s = 0; s < p.keySlices; ++s) sum += exp2f(*at(s) - m);
  *at(0) = m + log2f(sum);
}

// Pass 2: one thread per (kv head, query block, key block), causal key blocks only.
__global__ void blockScoreKernel(EstimateParams p) {
  const int bk = blockIdx.x * blockDim.x + threadIdx.x;
  const int bqRel = blockIdx.y, head = blockIdx.z;
  const int bq = p.firstQueryBlock + bqRel;
  if (bk > bq || bk >= p.nKeyBlocks) return;
  const int G = p.granularity;
  float share = 0.f;
  int present = 0;
  for (int j = 0; j < G; ++j) {
    const int abs = bq * G + j, rel = abs - p.firstCompQ;
    if (rel < 0 || rel >= p.nCompQ || !compositeQueryPresent(p, abs)) continue;
    ++present;
    const float lse = p.blockLse[((int64_t)head * p.nCompQ + rel) * p.nKeyBlocks + bk];
    const float row = p.rowLse[(int64_t)head * p.nCompQ + rel];  // combined over slices
    if (lse != -INFINITY) share += exp2f(lse - row);
  }
  const float a = present ? p.weight * share / float(present) : 0.f;
  float& dst = p.scores[((int64_t)head * p.nQueryBlocks + bqRel) * p.nKeyBlocks + bk];
  dst = p.accumulate ? dst + a : a;
}

template <int D, bool kSplit>
void launchLse(const EstimateParams& p, cudaStream_t stream) {
  const int smemBytes = (kSplit ? 6 : 3) * 64 * D * 2;
  dim3 grid((p.nCompQ + kRows - 1) / kRows, p.kvHeads, p.keySlices);
  auto run = [&](auto kernel) {
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
          "raising the estimate kernel's shared-memory limit");
    kernel<<<grid, kThreads, smemBytes, stream>>>(p);
  };
  switch (p.granularity) {
    case 2: run(blockLseKernel<D, 2, kSplit>); break;
    case 4: run(blockLseKernel<D, 4, kSplit>); break;
    case 8: run(blockLseKernel<D, 8, kSplit>); break;
    case 16: run(blockLseKernel<D, 16, kSplit>); break;
    case 32: run(blockLseKernel<D, 32, kSplit>); break;
    case 64: run(blockLseKernel<D, 64, kSplit>); break;
    default:
      throw std::runtime_error("UniSparse CUDA estimate: granularity " + std::to_string(p.granularity) +
                               " is not supported; use a power of two from 2 to 64 that divides blockSize.");
  }
  checkLaunch("the UniSparse estimate kernel");
}

// Slices of whole 64-key tiles (so no key block straddles two: granularities divide 64), about eight CTAs per SM
// in all, of which the causal half (slices in the rows' future) exit at once.
void sliceKeys(EstimateParams& p) {
  int sms = 132;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  const int rowTiles = (p.nCompQ + kRows - 1) / kRows, keyTiles = (p.nCompK + kKeys - 1) / kKeys;
  const int wanted = (8 * sms + rowTiles * p.kvHeads - 1) / (rowTiles * p.kvHeads);
  const int slices = std::max(1, std::min({wanted, keyTiles, kEstimateMaxKeySlices}));
  const int tilesPerSlice = (keyTiles + slices - 1) / slices;
  p.keysPerSlice = tilesPerSlice * kKeys;
  p.keySlices = (keyTiles + tilesPerSlice - 1) / tilesPerSlice;
}

}  // namespace

void launchBlockEstimate(const EstimateParams& params, cudaStream_t stream) {
  EstimateParams p = params;
  sliceKeys(p);
  if (p.headDim == 64) {
    p.splitPrecision ? launchLse<64, true>(p, stream) : launchLse<64, false>(p, stream);
  } else if (p.headDim == 128) {
    p.splitPrecision ? launchLse<128, true>(p, stream) : launchLse<128, false>(p, stream);
  } else {
    throw std::runtime_error("UniSparse CUDA estimate supports head dims 64 and 128; got " + std::to_string(p.headDim) + ".");
  }
  if (p.keySlices > 1) {
    combineRowSlicesKernel<<<dim3((p.nCompQ + 127) / 128, p.kvHeads), 128, 0, stream>>>(p);
    checkLaunch("the UniSparse row-sum kernel");
  }
  dim3 grid((p.nKeyBlocks + 127) / 128, p.nQueryBlocks, p.kvHeads);
  blockScoreKernel<<<grid, 128, 0, stream>>>(p);
  checkLaunch("the UniSparse block-score kernel");
}

}  // namespace unisparse::cuda
