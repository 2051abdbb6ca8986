// Which key tiles a 128-row query CTA of the attention kernels visits: every causal tile, or the tiles of the
// plan rows that cover the CTA. Both attention kernels (mma.sync and wgmma) walk the same sequence, so a plan means
// the same thing on every GPU.
#pragma once
#include "sparse_flash_attention.h"

namespace unisparse::cuda {

constexpr int kWalkCtaRows = 128;  // query rows per CTA
constexpr int kWalkKeys = 64;      // keys per tile

// How a CTA finds its key tiles: every causal tile, or a plan of 64-token blocks (the CTA's two halves are two
// plan rows), or a plan of 128-token blocks (the CTA is one plan row, each block two tiles). A compile-time
// mode keeps the walker's state to the registers it needs (the 128-dim kernel is at the 255-register limit).
enum WalkMode { kDenseWalk = 0, kPlan64 = 1, kPlan128 = 2 };

// Walks the key tiles in ascending order, each tagged with which half of the CTA (rows 0-63: bit 0, rows 64-127:
// bit 1) wants it; tiles starting at or past `limit` (the CTA's end) are masked for every row and skipped.
// kTileKeys: 64, or 128 for the dense walk and plans of 128-token blocks (a block is then one tile).
template <int kMode, int kTileKeys = kWalkKeys>
struct TileWalker {
  static_assert(kTileKeys == 64 || (kTileKeys == 128 && kMode != kPlan64), "128-key tiles need 128-token blocks");
  const int32_t* a = nullptr;
  const int32_t* b = nullptr;
  int na = 0, nb = 0, ia = 0, ib = 0, sub = 0;
  int limit = 0;

  __device__ bool next(int& keyStart, int& want) {
    if constexpr (kMode == kDenseWalk) {
      if (ia * kTileKeys >= limit) return false;
      keyStart = kTileKeys * ia++;
      want = 3;
      return true;
    } else if constexpr (kMode == kPlan64) {
      const int blkA = ia < na ? a[ia] : 0x7fffffff, blkB = ib < nb ? b[ib] : 0x7fffffff;
      const int blk = min(blkA, blkB);
      if (blk == 0x7fffffff) return false;
      keyStart = blk * 64;
      want = (blkA == blk ? 1 : 0) | (blkB == blk ? 2 : 0);
      ia += blkA == blk;
      ib += blkB == blk;
      return keyStart < limit;  // only the diagonal, the last block, can start past the CTA
    } else {
      while (ia < na) {
        keyStart = a[ia] * 128 + sub * kTileKeys;
        want = 3;
        if (++sub == 128 / kTileKeys) { sub = 0; ++ia; }
        if (keyStart < limit) return true;
      }
      return false;
    }
  }
};

// The walker of the CTA whose rows start at qStart (absolute position), for kv head kvHead.
template <int kMode, int kTileKeys = kWalkKeys>
__device__ __forceinline__ TileWalker<kMode, kTileKeys> startWalk(const FlashParams& p, int qStart, int qEnd,
                                                                  int kvHead) {
  TileWalker<kMode, kTileKeys> walk;
  walk.limit = qEnd;
  if constexpr (kMode != kDenseWalk) {
    const int64_t rowBase = (int64_t)kvHead * p.nQueryBlocks - p.firstQueryBlock;
    const int bqA = qStart / p.blockSize;
    if (bqA >= p.firstQueryBlock) {
      walk.a = p.keyBlocks + p.rowPtr[rowBase + bqA];
      walk.na = p.rowPtr[rowBase + bqA + 1] - p.rowPtr[rowBase + bqA];
    }
    const int bqB = (qStart + kWalkKeys) / 64;
    if (kMode == kPlan64 && qStart + kWalkKeys < p.seqK && bqB >= p.firstQueryBlock) {
      walk.b = p.keyBlocks + p.rowPtr[rowBase + bqB];
      walk.nb = p.rowPtr[rowBase + bqB + 1] - p.rowPtr[rowBase + bqB];
    }
  }

  return walk;
}

}  // namespace unisparse::cuda
