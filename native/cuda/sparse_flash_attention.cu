// Block-sparse FlashAttention forward, FA2-style on mma.sync (sm_80+; runs as sm_90a SASS on Hopper).
// One CTA = 128 query rows of one head (4 warps x 32 rows); key/value tiles of 64 rows stream through a
// two-stage cp.async pipeline; S = QK^T and O += PV run on bf16 tensor cores with fp32 accumulators; the
// softmax is online in the log2 domain. Sparsity enters only through the list of key tiles a CTA walks,
// so dense and UniSparse share every instruction of the inner loop.
#include "sparse_flash_attention.h"
#include "hopper_flash_attention.h"
#include "mma_primitives.cuh"
#include "tile_walker.cuh"
#include "cuda_check.h"
#include <cmath>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

// Tuned on the H200 (2026-11-28): 64-row CTAs with 16 rows per warp ran at ~245 TFLOP/s, bound by shared-memory
// reads (one K/V ldmatrix fed two MMAs). 32 rows per warp let every K/V fragment feed four MMAs.
constexpr int kCtaRows = kWalkCtaRows;  // query rows per CTA
constexpr int kWarpRows = 32;  // two m16 tiles per warp
constexpr int kKeys = kWalkKeys;  // keys per tile
constexpr int kThreads = 128;  // 4 warps

template <int D, int kRows>
__device__ __forceinline__ void loadTile(uint32_t smemBase, const __nv_bfloat16* src, int firstRow, int rowLimit,
                                         int tid) {
  mma::loadSwizzledRows<D, kRows, kThreads>(smemBase, src, firstRow, rowLimit, tid);
}

template <int D, int kMode>
__global__ void __launch_bounds__(kThreads, 2) sparseFlashForward(FlashParams p) {
  constexpr int kChunks = D / 8;
  constexpr int kQBytes = kCtaRows * D * 2, kTileBytes = kKeys * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t qSmem = mma::smemAddress(smem);
  // Stage b: K at qSmem + kQBytes + 2b tiles, V right after (computed, not indexed: no local memory).
  auto kSmem = [&](int b) { return qSmem + kQBytes + (2 * b) * kTileBytes; };
  auto vSmem = [&](int b) { return qSmem + kQBytes + (2 * b + 1) * kTileBytes; };

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int head = blockIdx.y, kvHead = head / (p.heads / p.kvHeads);
  const int queryOffset = p.seqK - p.seqQ;  // absolute position of query row 0
  const int firstTile = queryOffset / kCtaRows, lastTile = (p.seqK - 1) / kCtaRows;
  const int tile = lastTile - blockIdx.x;   // the longest causal rows first, for load balance
  if (tile < firstTile) return;
  const int qStart = tile * kCtaRows;            // absolute position of this CTA's row 0
  const int qEnd = min(qStart + kCtaRows, p.seqK);

  TileWalker<kMode> walk = startWalk<kMode>(p, qStart, qEnd, kvHead);
  const __nv_bfloat16* qHead = p.q + (int64_t)head * p.seqQ * D;
  const int64_t kvStride = p.kvHeadStride ? p.kvHeadStride : (int64_t)p.seqK * D;
  const __nv_bfloat16* kHead = p.k + (int64_t)kvHead * kvStride;
  const __nv_bfloat16* vHead = p.v + (int64_t)kvHead * kvStride;

  loadTile<D, kCtaRows>(qSmem, qHead, qStart - queryOffset, p.seqQ, tid);
  int curStart = 0, curWant = 0;
  bool has = walk.next(curStart, curWant);
  if (has) {
    loadTile<D, kKeys>(kSmem(0), kHead, curStart, p.seqK, tid);
    loadTile<D, kKeys>(vSmem(0), vHead, curStart, p.seqK, tid);
  }
  mma::cpAsyncCommit();

  const float scaleLog2 = p.scale * 1.4426950408889634f;
  float o[2][D / 8][4];
  #pragma unroll
  for (int mt = 0; mt < 2; ++mt)
    #pragma unroll
    for (int i = 0; i < D / 8; ++i) o[mt][i][0] = o[mt][i][1] = o[mt][i][2] = o[mt][i][3] = 0.f;
  float rowMax[2][2] = {{-INFINITY, -INFINITY}, {-INFINITY, -INFINITY}};
  float rowSum[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
  const int warpRow0 = warp * kWarpRows;          // first CTA row of this warp
  const int warpFirstPos = qStart + warpRow0, warpLastPos = warpFirstPos + kWarpRows - 1;
  const int warpHalfBit = 1 << (warpRow0 / kKeys);
  // ldmatrix addresses. Every row a thread addresses has the same low 3 bits (lane & 7), so the XOR swizzle of
  // chunk 8m + c equals 8m + (c ^ (lane & 7)): four per-thread offsets plus compile-time immediates cover all
  // chunks. Spelling this out keeps ptxas from holding one address register per (k-step, tile) pair.
  int qOff[4], kOff[4], vOff[4];
  #pragma unroll
  for (int c = 0; c < 4; ++c) {
    qOff[c] = ((warpRow0 + (lane & 15)) * kChunks + ((2 * c + (lane >> 4)) ^ (lane & 7))) * 16;
    kOff[c] = (((lane & 7) + ((lane >> 4) << 3)) * kChunks + ((2 * c + ((lane >> 3) & 1)) ^ (lane & 7))) * 16;
    vOff[c] = (((lane & 7) + (((lane >> 3) & 1) << 3)) * kChunks + ((2 * c + (lane >> 4)) ^ (lane & 7))) * 16;
  }

  for (int j = 0; has; ++j) {
    const int buf = j & 1;
    int nextStart = 0, nextWant = 0;
    const bool hasNext = walk.next(nextStart, nextWant);
    if (hasNext) {
      loadTile<D, kKeys>(kSmem(buf ^ 1), kHead, nextStart, p.seqK, tid);
      loadTile<D, kKeys>(vSmem(buf ^ 1), vHead, nextStart, p.seqK, tid);
      mma::cpAsyncCommit();
      mma::cpAsyncWait<1>();
    } else {
      mma::cpAsyncWait<0>();
    }
    __syncthreads();
    const int keyStart = curStart;
    if ((curWant & warpHalfBit) && keyStart <= warpLastPos) {
      const uint32_t kBuf = kSmem(buf), vBuf = vSmem(buf);
      // S = Q K^T: 32 rows x 64 keys; each K fragment feeds both m16 tiles.
      float s[2][8][4];
      #pragma unroll
      for (int mt = 0; mt < 2; ++mt)
        #pragma unroll
        for (int i = 0; i < 8; ++i) s[mt][i][0] = s[mt][i][1] = s[mt][i][2] = s[mt][i][3] = 0.f;
      #pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        uint32_t qa[2][4];
        #pragma unroll
        for (int mt = 0; mt < 2; ++mt)
          mma::ldmatrixX4(qa[mt], qSmem + qOff[kk & 3] + (kk >> 2) * 128 + mt * 16 * kChunks * 16);
        #pragma unroll
        for (int np = 0; np < 4; ++np) {
          uint32_t b[4];
          mma::ldmatrixX4(b, kBuf + kOff[kk & 3] + (kk >> 2) * 128 + np * 16 * kChunks * 16);
          #pragma unroll
          for (int mt = 0; mt < 2; ++mt) {
            mma::mma16816(s[mt][2 * np], qa[mt], b[0], b[1]);
            mma::mma16816(s[mt][2 * np + 1], qa[mt], b[2], b[3]);
          }
        }
      }
      // Causal mask and the sequence end: only tiles reaching past this warp's first row or the last key.
      // Logits stay unscaled here; the scale is folded into the exponent's FFMA below (scale > 0 keeps the max).
      const bool needMask = keyStart + kKeys - 1 > warpFirstPos || keyStart + kKeys > p.seqK;
      float corr[2][2];
      #pragma unroll
      for (int mt = 0; mt < 2; ++mt) {
        if (needMask) {
          #pragma unroll
          for (int nt = 0; nt < 8; ++nt)
            #pragma unroll
            for (int e = 0; e < 4; ++e) {
              const int key = keyStart + nt * 8 + 2 * (lane & 3) + (e & 1);
              const int pos = warpFirstPos + mt * 16 + (lane >> 2) + (e >> 1) * 8;
              if (key > pos || key >= p.seqK) s[mt][nt][e] = -INFINITY;
            }
        }
        // Online softmax for this m16 tile's two rows per thread (running max kept in the log2 domain).
        #pragma unroll
        for (int h = 0; h < 2; ++h) {
          float mx = -INFINITY;
          #pragma unroll
          for (int nt = 0; nt < 8; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * h], s[mt][nt][2 * h + 1]));
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
          const float newMax = fmaxf(rowMax[mt][h], mx * scaleLog2);
          const float base = newMax == -INFINITY ? 0.f : newMax;  // nothing visible yet: stay at 0
          corr[mt][h] = exp2f(rowMax[mt][h] - base);
          rowMax[mt][h] = newMax;
          float sum = 0.f;
          #pragma unroll
          for (int nt = 0; nt < 8; ++nt) {
            s[mt][nt][2 * h] = exp2f(fmaf(s[mt][nt][2 * h], scaleLog2, -base));
            s[mt][nt][2 * h + 1] = exp2f(fmaf(s[mt][nt][2 * h + 1], scaleLog2, -base));
            sum += s[mt][nt][2 * h] + s[mt][nt][2 * h + 1];
          }
          rowSum[mt][h] = rowSum[mt][h] * corr[mt][h] + sum;
        }
      }
      // Rescale the accumulator only when some row's max moved: after the first tiles it rarely does, and
      // these 128 multiplies sit on the path from softmax to the PV MMAs.
      const bool moved = corr[0][0] != 1.f || corr[0][1] != 1.f || corr[1][0] != 1.f || corr[1][1] != 1.f;
      if (__any_sync(0xffffffffu, moved)) {
        #pragma unroll
        for (int mt = 0; mt < 2; ++mt)
          #pragma unroll
          for (int dt = 0; dt < D / 8; ++dt) {
            o[mt][dt][0] *= corr[mt][0];
            o[mt][dt][1] *= corr[mt][0];
            o[mt][dt][2] *= corr[mt][1];
            o[mt][dt][3] *= corr[mt][1];
          }
      }
      // O += P V: the S accumulator layout is the A-operand layout, so P never leaves registers.
      #pragma unroll
      for (int kk = 0; kk < 4; ++kk) {
        uint32_t a[2][4];
        #pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          a[mt][0] = mma::packBf16(s[mt][2 * kk][0], s[mt][2 * kk][1]);
          a[mt][1] = mma::packBf16(s[mt][2 * kk][2], s[mt][2 * kk][3]);
          a[mt][2] = mma::packBf16(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
          a[mt][3] = mma::packBf16(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
        }
        #pragma unroll
        for (int dp = 0; dp < D / 16; ++dp) {
          uint32_t b[4];
          mma::ldmatrixX4Trans(b, vBuf + vOff[dp & 3] + (dp >> 2) * 128 + kk * 16 * kChunks * 16);
          #pragma unroll
          for (int mt = 0; mt < 2; ++mt) {
            mma::mma16816(o[mt][2 * dp], a[mt], b[0], b[1]);
            mma::mma16816(o[mt][2 * dp + 1], a[mt], b[2], b[3]);
          }
        }
      }
    }
    __syncthreads();  // the next iteration refills this stage's buffers
    curStart = nextStart;
    curWant = nextWant;
    has = hasNext;
  }

  // Normalise and store the rows this CTA owns (positions in [queryOffset, seqK)).
  #pragma unroll
  for (int mt = 0; mt < 2; ++mt)
    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      float sum = rowSum[mt][h];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      const int pos = warpFirstPos + mt * 16 + (lane >> 2) + h * 8;
      if (pos < queryOffset || pos >= p.seqK) continue;
      __nv_bfloat16* dst = p.out + ((int64_t)head * p.seqQ + (pos - queryOffset)) * D + 2 * (lane & 3);
      #pragma unroll
      for (int dt = 0; dt < D / 8; ++dt)
        *reinterpret_cast<__nv_bfloat162*>(dst + dt * 8) =
            __floats2bfloat162_rn(o[mt][dt][2 * h] * inv, o[mt][dt][2 * h + 1] * inv);
    }
}

template <int D, int kMode>
void launchMode(const FlashParams& p, cudaStream_t stream) {
  const int smemBytes = kCtaRows * D * 2 + 4 * kKeys * D * 2;  // Q + two stages of K and V
  check(cudaFuncSetAttribute(sparseFlashForward<D, kMode>, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
        "raising the attention kernel's shared-memory limit");
  const int queryTiles = (p.seqK - 1) / kCtaRows - (p.seqK - p.seqQ) / kCtaRows + 1;
  dim3 grid(queryTiles, p.heads);
  sparseFlashForward<D, kMode><<<grid, kThreads, smemBytes, stream>>>(p);
  checkLaunch("the block-sparse flash attention kernel");
}

template <int D>
void launchForHeadDim(const FlashParams& p, cudaStream_t stream) {
  if (!p.rowPtr) return launchMode<D, kDenseWalk>(p, stream);
  if (p.blockSize == 64) return launchMode<D, kPlan64>(p, stream);
  return launchMode<D, kPlan128>(p, stream);
}

}  // namespace

void launchSparseFlashAttention(const FlashParams& p, cudaStream_t stream) {
  if (p.heads <= 0 || p.kvHeads <= 0 || p.heads % p.kvHeads != 0)
    throw std::runtime_error("CUDA attention: heads (" + std::to_string(p.heads) + ") must be a positive multiple of kvHeads (" +
                             std::to_string(p.kvHeads) + ").");
  if (p.seqQ <= 0 || p.seqK < p.seqQ)
    throw std::runtime_error("CUDA attention: need 0 < seqQ <= seqK (queries are the last seqQ keys); got seqQ=" +
                             std::to_string(p.seqQ) + ", seqK=" + std::to_string(p.seqK) + ".");
  if (p.rowPtr && p.blockSize != 64 && p.blockSize != 128)
    throw std::runtime_error("CUDA attention: blockSize must be 64 or 128; got " + std::to_string(p.blockSize) + ".");
  if (hopperAttentionUsable(p)) return launchHopperFlashAttention(p, stream);
  if (p.headDim == 64) return launchForHeadDim<64>(p, stream);
  if (p.headDim == 128) return launchForHeadDim<128>(p, stream);
  throw std::runtime_error("CUDA attention supports head dims 64 and 128; got " + std::to_string(p.headDim) +
                           ". Use device 'cpu' for this model.");
}

}  // namespace unisparse::cuda
