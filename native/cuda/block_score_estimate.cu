// Estimate kernels. Pass 1 (tensor cores): a warp takes 32 composite query rows (16 for the split estimate,
// kFragments) against 64-key tiles of composite keys and records, per row and key block, the log2-sum-exp of its
// visible logits, plus the running log2-sum-exp of its slice of the row's keys; no logits stored. The keys are cut
// into slices (grid z) because a prefill chunk has few composite query rows: 8K queries at 16 composites per
// 128-token block are 16 CTAs, a tenth of the GPU, and each would walk all 16K composite keys of a 128K context
// alone. Pass 2: the row's log2-sum-exp from its slices, then A_g[bq][bk] = mean over the non-empty composite
// queries of bq of 2^(blockLse - rowLse). Logits are near-fp32 by default (each composite is split into two bf16
// halves and multiplied three ways), so the plan matches the CPU's float plan.
#include "block_score_estimate.h"
#include "mma_primitives.cuh"
#include "cuda_check.h"
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kKeys = 64, kThreads = 128;

// Query row fragments (16 rows each) per warp. Every fragment multiplies each K fragment it reads from shared
// memory, so two halve the shared-memory reads per MMA, which bound the one-MMA estimate; the split estimate
// holds a second (lo) copy of its queries and keeps one fragment within the register budget.
template <bool kSplit>
constexpr int kFragments = kSplit ? 1 : 2;
template <bool kSplit>
constexpr int kRows = 4 * 16 * kFragments<kSplit>;  // composite query rows per CTA

__device__ __forceinline__ bool compositeQueryPresent(const EstimateParams& p, int absComposite) {
  const int from = absComposite * p.tokensPerComposite;
  return from < p.seqK && from + p.tokensPerComposite > p.queryPosLo;
}

template <int D, int G, bool kSplit>
__global__ void __launch_bounds__(kThreads) blockLseKernel(EstimateParams p) {
  constexpr int kChunks = D / 8, kTileBytes = 64 * D * 2;
  constexpr int kF = kFragments<kSplit>, kCtaRows = kRows<kSplit>;
  constexpr int kQBytes = kCtaRows * D * 2;
  constexpr int kTilesPerGroup = G >= 8 ? G / 8 : 1;   // n8 accumulator tiles covering one key block
  constexpr int kLanesPerGroup = G >= 8 ? 4 : G / 2;   // quad lanes that share one key block
  constexpr int kParts = kSplit ? 2 : 1;  // hi (and lo) halves of each tile
  extern __shared__ __align__(128) unsigned char smem[];
  // Layout: Q hi [, Q lo], then two key stages of hi [, lo]: the bf16-only estimate needs half the memory,
  // so more CTAs share an SM.
  const uint32_t qHiS = mma::smemAddress(smem), qLoS = qHiS + kQBytes;
  auto kHiS = [&](int stage) { return qHiS + kParts * kQBytes + stage * kParts * kTileBytes; };
  auto kLoS = [&](int stage) { return kHiS(stage) + kTileBytes; };
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int head = blockIdx.y, slice = blockIdx.z;
  // The last rows see the most keys: launch them first so the causal tail does not run alone at the end.
  const int rowBase = (gridDim.x - 1 - blockIdx.x) * kCtaRows;  // relative composite query row of this CTA's row 0
  const __nv_bfloat16* qHi = p.qHi + (int64_t)head * p.nCompQ * D;
  const __nv_bfloat16* qLo = p.qLo + (int64_t)head * p.nCompQ * D;
  const __nv_bfloat16* kHi = p.kHi + (int64_t)head * p.nCompK * D;
  const __nv_bfloat16* kLo = p.kLo + (int64_t)head * p.nCompK * D;

  mma::loadSwizzledRows<D, kCtaRows, kThreads>(qHiS, qHi, rowBase, p.nCompQ, tid);
  if (kSplit) mma::loadSwizzledRows<D, kCtaRows, kThreads>(qLoS, qLo, rowBase, p.nCompQ, tid);
  mma::cpAsyncCommit();
  mma::cpAsyncWait<0>();
  __syncthreads();
  const int warpRow = warp * 16 * kF;  // this warp's first row in the CTA
  uint32_t aHi[kF][D / 16][4], aLo[kSplit ? D / 16 : 1][4];
  #pragma unroll
  for (int f = 0; f < kF; ++f)
    #pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const uint32_t off = mma::swizzledOffset<kChunks>(warpRow + 16 * f + (lane & 15), kk * 2 + (lane >> 4));
      mma::ldmatrixX4(aHi[f][kk], qHiS + off);
      if constexpr (kSplit) mma::ldmatrixX4(aLo[kk], qLoS + off);
    }

  const float scaleLog2 = p.scale * 1.4426950408889634f;
  // This thread's rows: fragment f, half h (the accumulator's upper and lower eight rows).
  int rowRel[kF][2], rowAbs[kF][2];
  #pragma unroll
  for (int f = 0; f < kF; ++f)
    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      rowRel[f][h] = rowBase + warpRow + 16 * f + 8 * h + (lane >> 2);
      rowAbs[f][h] = p.firstCompQ + rowRel[f][h];
    }
  const int warpFirstAbs = p.firstCompQ + rowBase + warpRow, warpLastAbs = warpFirstAbs + 16 * kF - 1;
  const int sliceBegin = slice * p.keysPerSlice;
  const int ctaLastAbs = min(min(p.firstCompQ + rowBase + kCtaRows - 1, p.nCompK - 1), sliceBegin + p.keysPerSlice - 1);
  float runMax[kF][2], runSum[kF][2];
  #pragma unroll
  for (int f = 0; f < kF; ++f) runMax[f][0] = runMax[f][1] = -INFINITY, runSum[f][0] = runSum[f][1] = 0.f;

  // Two-stage cp.async pipeline over the key tiles: tile t+1 loads while tile t is multiplied. A slice wholly in
  // the future of these rows loads nothing and leaves -inf partials.
  if (sliceBegin <= ctaLastAbs) {
    mma::loadSwizzledRows<D, kKeys, kThreads>(kHiS(0), kHi, sliceBegin, p.nCompK, tid);
    if (kSplit) mma::loadSwizzledRows<D, kKeys, kThreads>(kLoS(0), kLo, sliceBegin, p.nCompK, tid);
    mma::cpAsyncCommit();
  }
  for (int keyBase = sliceBegin, stage = 0; keyBase <= ctaLastAbs; keyBase += kKeys, stage ^= 1) {
    if (keyBase + kKeys <= ctaLastAbs) {
      mma::loadSwizzledRows<D, kKeys, kThreads>(kHiS(stage ^ 1), kHi, keyBase + kKeys, p.nCompK, tid);
      if (kSplit) mma::loadSwizzledRows<D, kKeys, kThreads>(kLoS(stage ^ 1), kLo, keyBase + kKeys, p.nCompK, tid);
      mma::cpAsyncCommit();
      mma::cpAsyncWait<1>();
    } else {
      mma::cpAsyncWait<0>();
    }
    __syncthreads();
    if (keyBase <= warpLastAbs) {  // else every key of this tile is in this warp's future
    const uint32_t kHiStage = kHiS(stage), kLoStage = kLoS(stage);
    float s[kF][8][4];
    #pragma unroll
    for (int f = 0; f < kF; ++f)
      #pragma unroll
      for (int i = 0; i < 8; ++i) s[f][i][0] = s[f][i][1] = s[f][i][2] = s[f][i][3] = 0.f;
    #pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      #pragma unroll
      for (int np = 0; np < 4; ++np) {
        const uint32_t off = mma::swizzledOffset<kChunks>(np * 16 + (lane & 7) + ((lane >> 4) << 3), kk * 2 + ((lane >> 3) & 1));
        uint32_t bh[4];
        mma::ldmatrixX4(bh, kHiStage + off);
        #pragma unroll
        for (int f = 0; f < kF; ++f) {
          mma::mma16816(s[f][2 * np], aHi[f][kk], bh[0], bh[1]);
          mma::mma16816(s[f][2 * np + 1], aHi[f][kk], bh[2], bh[3]);
        }
        if constexpr (kSplit) {
          uint32_t bl[4];
          mma::ldmatrixX4(bl, kLoStage + off);
          mma::mma16816(s[0][2 * np], aHi[0][kk], bl[0], bl[1]);
          mma::mma16816(s[0][2 * np + 1], aHi[0][kk], bl[2], bl[3]);
          mma::mma16816(s[0][2 * np], aLo[kk], bh[0], bh[1]);
          mma::mma16816(s[0][2 * np + 1], aLo[kk], bh[2], bh[3]);
        }
      }
    }
    // Mask: composite key index <= composite query index (causal at composite granularity), key present.
    // Only tiles that reach the warp's first row or the last present key need it; the rest just scale.
    const bool needMask = keyBase + kKeys - 1 > warpFirstAbs || (keyBase + kKeys) * p.tokensPerComposite > p.seqK;
    #pragma unroll
    for (int f = 0; f < kF; ++f) {
      if (needMask) {
        #pragma unroll
        for (int nt = 0; nt < 8; ++nt)
          #pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int key = keyBase + nt * 8 + 2 * (lane & 3) + (e & 1);
            const bool visible = key <= rowAbs[f][e >> 1] && key < p.nCompK && key * p.tokensPerComposite < p.seqK;
            s[f][nt][e] = visible ? s[f][nt][e] * scaleLog2 : -INFINITY;
          }
      } else {
        #pragma unroll
        for (int nt = 0; nt < 8; ++nt)
          #pragma unroll
          for (int e = 0; e < 4; ++e) s[f][nt][e] *= scaleLog2;
      }

      #pragma unroll
      for (int h = 0; h < 2; ++h) {
        // One max per row and tile (not per key block): every block's sum is taken relative to it, so a block
        // costs one shuffle-reduced sum and one log2. A block more than ~2^-126 below the tile max underflows
        // to an empty block, whose share is below float resolution on the CPU too.
        float tileMax = -INFINITY;
        #pragma unroll
        for (int nt = 0; nt < 8; ++nt) tileMax = fmaxf(tileMax, fmaxf(s[f][nt][2 * h], s[f][nt][2 * h + 1]));
        tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 1));
        tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 2));
        // All lanes run the shuffles below (full-warp masks), so a fully masked row is neutralised, not skipped.
        const float base = tileMax == -INFINITY ? 0.f : tileMax;
        const int rowBlock = rowAbs[f][h] / G;
        float* lseRow = p.blockLse + ((int64_t)head * p.nCompQ + rowRel[f][h]) * p.nKeyBlocks;
        const bool rowPresent = rowRel[f][h] < p.nCompQ;
        float ownSum = 0.f;
        float groupSum[8 / kTilesPerGroup];
        #pragma unroll
        for (int gi = 0; gi < 8 / kTilesPerGroup; ++gi) {
          const int nt0 = gi * kTilesPerGroup;
          float gs = 0.f;
          #pragma unroll
          for (int t = 0; t < kTilesPerGroup; ++t)
            gs += exp2f(s[f][nt0 + t][2 * h] - base) + exp2f(s[f][nt0 + t][2 * h + 1] - base);
          ownSum += gs;
          #pragma unroll
          for (int off = 1; off < kLanesPerGroup; off <<= 1) gs += __shfl_xor_sync(0xffffffffu, gs, off);
          groupSum[gi] = gs;
          if constexpr (G < 8) {  // a lane's own key blocks: the quad's lanes already store side by side
            const int keyBlock = keyBase / G + (nt0 * 8 + 2 * (lane & 3)) / G;
            if ((lane & 3) % kLanesPerGroup == 0 && rowPresent && keyBlock <= rowBlock)
              lseRow[keyBlock] = gs > 0.f ? base + log2f(gs) : -INFINITY;
          }
        }
        if constexpr (G >= 8) {
          // Every lane of the quad holds every block's sum: lane q stores blocks q, q + 4, ..., so the quad
          // writes four neighbouring floats with one instruction (one lane per block made each store touch eight
          // rows' sectors for four bytes each, and those stores bound the kernel).
          constexpr int kBlocksPerTile = 8 / kTilesPerGroup;
          const int q = lane & 3;
          #pragma unroll
          for (int g0 = 0; g0 < kBlocksPerTile; g0 += 4) {
            float v = groupSum[g0];
            #pragma unroll
            for (int t = 1; t < 4; ++t)
              if (g0 + t < kBlocksPerTile && q == t) v = groupSum[g0 + t];
            const int keyBlock = keyBase / G + g0 + q;
            if (g0 + q < kBlocksPerTile && rowPresent && keyBlock <= rowBlock)
              lseRow[keyBlock] = v > 0.f ? base + log2f(v) : -INFINITY;
          }
        }
        // Running row sum: this thread's own terms; the quad is reduced once at the end.
        const float newMax = fmaxf(runMax[f][h], tileMax);
        if (newMax != -INFINITY) {
          runSum[f][h] = runSum[f][h] * exp2f(runMax[f][h] - newMax) + ownSum * exp2f(base - newMax);
          runMax[f][h] = newMax;
        }
      }
    }
    }  // keyBase <= warpLastAbs
    __syncthreads();  // everyone is done with this stage before it is refilled
  }
  #pragma unroll
  for (int f = 0; f < kF; ++f)
    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      // Lanes of a quad may hold different running maxima: rescale to the quad's max before summing.
      float m = runMax[f][h];
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      float sum = m == -INFINITY ? 0.f : runSum[f][h] * exp2f(runMax[f][h] - m);
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      if ((lane & 3) == 0 && rowRel[f][h] < p.nCompQ)
        p.rowLse[((int64_t)slice * p.kvHeads + head) * p.nCompQ + rowRel[f][h]] =
            m == -INFINITY ? -INFINITY : m + log2f(sum);
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
  constexpr int kParts = kSplit ? 2 : 1;
  const int smemBytes = kParts * (kRows<kSplit> + 2 * kKeys) * D * 2;  // queries, then two key stages
  dim3 grid((p.nCompQ + kRows<kSplit> - 1) / kRows<kSplit>, p.kvHeads, p.keySlices);
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
  const int rowsPerCta = p.splitPrecision ? kRows<true> : kRows<false>;
  const int rowTiles = (p.nCompQ + rowsPerCta - 1) / rowsPerCta, keyTiles = (p.nCompK + kKeys - 1) / kKeys;
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
