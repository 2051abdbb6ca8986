// Block-sparse FlashAttention forward, FA2-style on mma.sync (sm_80+; runs as sm_90a SASS on Hopper).
// One CTA = 64 query rows of one head (4 warps x 16 rows); key/value tiles of 64 rows stream through a
// two-stage cp.async pipeline; S = QK^T and O += PV run on bf16 tensor cores with fp32 accumulators; the
// softmax is online in the log2 domain. Sparsity enters only through the list of key tiles a CTA walks,
// so dense and UniSparse share every instruction of the inner loop.
#include "sparse_flash_attention.h"
#include "mma_primitives.cuh"
#include "cuda_check.h"
#include <cmath>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kRows = 64;      // query rows per CTA
constexpr int kKeys = 64;      // keys per tile
constexpr int kThreads = 128;  // 4 warps x 16 query rows

// The key tiles a CTA visits, in ascending key order: every causal tile (dense) or the 64-key sub-tiles of
// the plan row's kept blocks, stopping at the first tile that starts past the CTA's last query position.
struct TileList {
  const int32_t* blocks;  // kept key blocks of the row (nullptr: dense)
  int subTiles;           // 64-key tiles per block
  int count;
  int blockSize;
  __device__ int keyStart(int j) const {
    if (!blocks) return j * kKeys;
    return blocks[j / subTiles] * blockSize + (j % subTiles) * kKeys;
  }
};

template <int D>
__device__ __forceinline__ void loadTile(uint32_t smemBase, const __nv_bfloat16* src, int firstRow, int rowLimit,
                                         int tid) {
  constexpr int kChunks = D / 8;
  #pragma unroll
  for (int c = tid; c < kRows * kChunks; c += kThreads) {
    const int row = c / kChunks, chunk = c % kChunks;
    const int srcRow = firstRow + row;
    const bool valid = srcRow >= 0 && srcRow < rowLimit;
    const __nv_bfloat16* p = src + (valid ? (int64_t)srcRow * D + chunk * 8 : 0);
    mma::cpAsync16(smemBase + mma::swizzledOffset<kChunks>(row, chunk), p, valid ? 16 : 0);
  }
}

template <int D>
__global__ void __launch_bounds__(kThreads, 2) sparseFlashForward(FlashParams p) {
  constexpr int kChunks = D / 8;
  constexpr int kTileBytes = kRows * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t qSmem = mma::smemAddress(smem);
  // Stage b holds K at qSmem + (1 + 2b) tiles and V right after it (computed, not indexed: no local memory).
  auto kSmem = [&](int b) { return qSmem + (1 + 2 * b) * kTileBytes; };
  auto vSmem = [&](int b) { return qSmem + (2 + 2 * b) * kTileBytes; };

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int head = blockIdx.y, kvHead = head / (p.heads / p.kvHeads);
  const int queryOffset = p.seqK - p.seqQ;  // absolute position of query row 0
  const int firstTile = queryOffset / kRows, lastTile = (p.seqK - 1) / kRows;
  const int tile = lastTile - blockIdx.x;   // the longest causal rows first, for load balance
  if (tile < firstTile) return;
  const int qStart = tile * kRows;                       // absolute position of this CTA's row 0
  const int qEnd = min(qStart + kRows, p.seqK);          // one past its last position

  TileList tiles;
  tiles.blockSize = p.blockSize;
  if (p.rowPtr) {
    const int bq = qStart / p.blockSize - p.firstQueryBlock;
    const int row = kvHead * p.nQueryBlocks + bq;
    const int begin = p.rowPtr[row], end = p.rowPtr[row + 1];
    tiles.blocks = p.keyBlocks + begin;
    tiles.subTiles = p.blockSize / kKeys;
    tiles.count = (end - begin) * tiles.subTiles;
    while (tiles.count > 0 && tiles.keyStart(tiles.count - 1) >= qEnd) --tiles.count;
  } else {
    tiles.blocks = nullptr;
    tiles.subTiles = 1;
    tiles.count = (qEnd + kKeys - 1) / kKeys;
  }

  const __nv_bfloat16* qHead = p.q + (int64_t)head * p.seqQ * D;
  const __nv_bfloat16* kHead = p.k + (int64_t)kvHead * p.seqK * D;
  const __nv_bfloat16* vHead = p.v + (int64_t)kvHead * p.seqK * D;

  loadTile<D>(qSmem, qHead, qStart - queryOffset, p.seqQ, tid);
  if (tiles.count > 0) {
    const int k0 = tiles.keyStart(0);
    loadTile<D>(kSmem(0), kHead, k0, p.seqK, tid);
    loadTile<D>(vSmem(0), vHead, k0, p.seqK, tid);
  }
  mma::cpAsyncCommit();

  const float scaleLog2 = p.scale * 1.4426950408889634f;
  uint32_t qFrag[D / 16][4];
  float o[D / 8][4];
  #pragma unroll
  for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
  float rowMax[2] = {-INFINITY, -INFINITY}, rowSum[2] = {0.f, 0.f};
  const int rowInTile = warp * 16 + (lane >> 2);  // this thread's rows: rowInTile and rowInTile + 8

  for (int j = 0; j < tiles.count; ++j) {
    const int buf = j & 1;
    if (j + 1 < tiles.count) {
      const int kn = tiles.keyStart(j + 1);
      loadTile<D>(kSmem(buf ^ 1), kHead, kn, p.seqK, tid);
      loadTile<D>(vSmem(buf ^ 1), vHead, kn, p.seqK, tid);
      mma::cpAsyncCommit();
      mma::cpAsyncWait<1>();
    } else {
      mma::cpAsyncWait<0>();
    }
    __syncthreads();
    if (j == 0) {
      #pragma unroll
      for (int kk = 0; kk < D / 16; ++kk)
        mma::ldmatrixX4(qFrag[kk], qSmem + mma::swizzledOffset<kChunks>(warp * 16 + (lane & 15), kk * 2 + (lane >> 4)));
    }
    const int keyStart = tiles.keyStart(j);

    // S = Q K^T for this warp's 16 rows x 64 keys.
    float s[8][4];
    #pragma unroll
    for (int i = 0; i < 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
    #pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      #pragma unroll
      for (int np = 0; np < 4; ++np) {
        uint32_t b[4];
        const int keyRow = np * 16 + (lane & 7) + ((lane >> 4) << 3);
        mma::ldmatrixX4(b, kSmem(buf) + mma::swizzledOffset<kChunks>(keyRow, kk * 2 + ((lane >> 3) & 1)));
        mma::mma16816(s[2 * np], qFrag[kk], b[0], b[1]);
        mma::mma16816(s[2 * np + 1], qFrag[kk], b[2], b[3]);
      }
    }

    // Causal mask and the sequence end: only tiles that reach past the CTA's first row or the last key.
    const bool needMask = keyStart + kKeys - 1 > qStart || keyStart + kKeys > p.seqK;
    #pragma unroll
    for (int nt = 0; nt < 8; ++nt) {
      #pragma unroll
      for (int e = 0; e < 4; ++e) {
        float x = s[nt][e] * scaleLog2;
        if (needMask) {
          const int key = keyStart + nt * 8 + 2 * (lane & 3) + (e & 1);
          const int pos = qStart + rowInTile + (e >> 1) * 8;
          if (key > pos || key >= p.seqK) x = -INFINITY;
        }
        s[nt][e] = x;
      }
    }

    // Online softmax: new running max per row, rescale the accumulator, exponentiate.
    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      float mx = -INFINITY;
      #pragma unroll
      for (int nt = 0; nt < 8; ++nt) mx = fmaxf(mx, fmaxf(s[nt][2 * h], s[nt][2 * h + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float newMax = fmaxf(rowMax[h], mx);
      const float base = newMax == -INFINITY ? 0.f : newMax;  // a row with nothing visible yet stays at 0
      const float corr = exp2f(rowMax[h] - base);
      rowMax[h] = newMax;
      float sum = 0.f;
      #pragma unroll
      for (int nt = 0; nt < 8; ++nt) {
        s[nt][2 * h] = exp2f(s[nt][2 * h] - base);
        s[nt][2 * h + 1] = exp2f(s[nt][2 * h + 1] - base);
        sum += s[nt][2 * h] + s[nt][2 * h + 1];
      }
      rowSum[h] = rowSum[h] * corr + sum;
      #pragma unroll
      for (int dt = 0; dt < D / 8; ++dt) {
        o[dt][2 * h] *= corr;
        o[dt][2 * h + 1] *= corr;
      }
    }

    // O += P V: the S accumulator layout is the A-operand layout, so P never leaves registers.
    #pragma unroll
    for (int kk = 0; kk < 4; ++kk) {
      uint32_t a[4];
      a[0] = mma::packBf16(s[2 * kk][0], s[2 * kk][1]);
      a[1] = mma::packBf16(s[2 * kk][2], s[2 * kk][3]);
      a[2] = mma::packBf16(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      a[3] = mma::packBf16(s[2 * kk + 1][2], s[2 * kk + 1][3]);
      #pragma unroll
      for (int dp = 0; dp < D / 16; ++dp) {
        uint32_t b[4];
        const int keyRow = kk * 16 + (lane & 7) + (((lane >> 3) & 1) << 3);
        mma::ldmatrixX4Trans(b, vSmem(buf) + mma::swizzledOffset<kChunks>(keyRow, dp * 2 + (lane >> 4)));
        mma::mma16816(o[2 * dp], a, b[0], b[1]);
        mma::mma16816(o[2 * dp + 1], a, b[2], b[3]);
      }
    }
    __syncthreads();  // the next iteration refills this stage's buffers
  }

  // Normalise and store the rows this CTA owns (positions in [queryOffset, seqK)).
  #pragma unroll
  for (int h = 0; h < 2; ++h) {
    float sum = rowSum[h];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    const int pos = qStart + rowInTile + h * 8;
    if (pos < queryOffset || pos >= p.seqK) continue;
    __nv_bfloat16* dst = p.out + ((int64_t)head * p.seqQ + (pos - queryOffset)) * D + 2 * (lane & 3);
    #pragma unroll
    for (int dt = 0; dt < D / 8; ++dt)
      *reinterpret_cast<__nv_bfloat162*>(dst + dt * 8) = __floats2bfloat162_rn(o[dt][2 * h] * inv, o[dt][2 * h + 1] * inv);
  }
}

template <int D>
void launchForHeadDim(const FlashParams& p, cudaStream_t stream) {
  const int smemBytes = 5 * kRows * D * 2;  // Q + two stages of K and V
  check(cudaFuncSetAttribute(sparseFlashForward<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
        "raising the attention kernel's shared-memory limit");
  const int queryTiles = (p.seqK - 1) / kRows - (p.seqK - p.seqQ) / kRows + 1;
  dim3 grid(queryTiles, p.heads);
  sparseFlashForward<D><<<grid, kThreads, smemBytes, stream>>>(p);
  checkLaunch("the block-sparse flash attention kernel");
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
  if (p.headDim == 64) return launchForHeadDim<64>(p, stream);
  if (p.headDim == 128) return launchForHeadDim<128>(p, stream);
  throw std::runtime_error("CUDA attention supports head dims 64 and 128; got " + std::to_string(p.headDim) +
                           ". Use device 'cpu' for this model.");
}

}  // namespace unisparse::cuda
