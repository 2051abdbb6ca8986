#include "last_block_check.h"
#include <algorithm>
#include <cmath>
#include "fast_exp.h"

namespace unisparse::detail {

namespace {
constexpr int kRowTile = 4;  // query rows per register tile (4 x blockSize partial logits)

// Logits of kRowTile query rows against one transposed key block, into logits[r][0..S). kS is the compile-time
// block size (0 = only known at run time): with 64 or 128 the compiler keeps the 4 x S partial sums in vector
// registers across the head dimension instead of loading and storing them once per channel, which made the check
// cost more per row than the attention it guards.
template <int kS>
void tile_logits(const float* const* qrows, const float* keyT, int d, int sRuntime, float (*logits)[256]) {
  const int S = kS ? kS : sRuntime;
  alignas(64) float acc[kRowTile][kS ? kS : 256];
  for (int r = 0; r < kRowTile; ++r)
    for (int j = 0; j < S; ++j) acc[r][j] = 0.f;
  for (int c = 0; c < d; ++c) {
    const float* kt = keyT + size_t(c) * S;
    for (int r = 0; r < kRowTile; ++r) {
      const float qv = qrows[r][c];
      for (int j = 0; j < S; ++j) acc[r][j] += qv * kt[j];
    }
  }
  for (int r = 0; r < kRowTile; ++r)
    for (int j = 0; j < S; ++j) logits[r][j] = acc[r][j];
}
}  // namespace

void last_block_exact_shares(const AttentionShape& s, const float* q, const float* k, int kvHead, int blockSize,
                             float scale, float* shares, ColumnScratch* sc) {
  const int S = blockSize, d = s.headDim;
  const int nKeyBlocks = (s.seqK + S - 1) / S;
  const int lastBlock = nKeyBlocks - 1;
  const int offset = s.seqK - s.seqQ;  // absolute position of query row 0
  const int firstPos = std::max(lastBlock * S, offset);
  const int positions = s.seqK - firstPos;
  const int group = s.heads / s.kvHeads;
  const int rows = positions * group;
  std::fill(shares, shares + size_t(group) * nKeyBlocks, 0.f);
  if (positions <= 0) return;
  sc->keyT.assign(size_t(d) * S, 0.f);
  sc->blockLse.assign(size_t(rows) * nKeyBlocks, -INFINITY);
  const float* kBase = k + kvHead * s.kHeadStride;
  // Row r: query head kvHead*group + r / positions at position firstPos + r % positions, pre-scaled.
  sc->queries.resize(size_t(rows) * d);
  for (int r = 0; r < rows; ++r) {
    const float* src = q + (kvHead * group + r / positions) * s.qHeadStride +
                       int64_t(firstPos + r % positions - offset) * s.qSeqStride;
    for (int c = 0; c < d; ++c) sc->queries[size_t(r) * d + c] = src[c] * scale;
  }
  auto positionOf = [&](int r) { return firstPos + r % positions; };

  for (int kb = 0; kb <= lastBlock; ++kb) {
    const int keyFirst = kb * S, keyCount = std::min(S, s.seqK - keyFirst);
    for (int j = 0; j < S; ++j)
      for (int c = 0; c < d; ++c)
        sc->keyT[size_t(c) * S + j] = j < keyCount ? kBase[int64_t(keyFirst + j) * s.kSeqStride + c] : 0.f;
    for (int r0 = 0; r0 < rows; r0 += kRowTile) {
      const int nr = std::min(kRowTile, rows - r0);
      alignas(64) float logits[kRowTile][256];
      const float* qrows[kRowTile];
      for (int r = 0; r < kRowTile; ++r) qrows[r] = sc->queries.data() + size_t(r0 + std::min(r, nr - 1)) * d;
      if (S == 64) tile_logits<64>(qrows, sc->keyT.data(), d, S, logits);
      else if (S == 128) tile_logits<128>(qrows, sc->keyT.data(), d, S, logits);
      else tile_logits<0>(qrows, sc->keyT.data(), d, S, logits);
      for (int r = 0; r < nr; ++r) {
        const int visible = std::min(keyCount, positionOf(r0 + r) - keyFirst + 1);
        if (visible <= 0) continue;
        float m = -INFINITY;
        for (int j = 0; j < visible; ++j) m = std::max(m, logits[r][j]);
        float sum = 0.f;
        for (int j = 0; j < visible; ++j) sum += fast_exp(logits[r][j] - m);
        sc->blockLse[size_t(r0 + r) * nKeyBlocks + kb] = m + std::log(sum);
      }
    }
  }

  // Per query head: mean share over its positions.
  for (int h = 0; h < group; ++h) {
    float* headShares = shares + size_t(h) * nKeyBlocks;
    for (int p = 0; p < positions; ++p) {
      const float* lse = sc->blockLse.data() + size_t(h * positions + p) * nKeyBlocks;
      float m = -INFINITY;
      for (int b = 0; b <= lastBlock; ++b) m = std::max(m, lse[b]);
      float total = 0.f;
      for (int b = 0; b <= lastBlock; ++b) total += lse[b] == -INFINITY ? 0.f : std::exp(lse[b] - m);
      for (int b = 0; b <= lastBlock; ++b)
        if (lse[b] != -INFINITY) headShares[b] += std::exp(lse[b] - m) / total / float(positions);
    }
  }
}

void columns_from_shares(const float* shares, int group, int nKeyBlocks, float tau, uint8_t* keep,
                         ColumnScratch* sc) {
  std::fill(keep, keep + nKeyBlocks, uint8_t(0));
  auto& order = sc->order;
  for (int h = 0; h < group; ++h) {
    const float* headShares = shares + size_t(h) * nKeyBlocks;
    order.resize(nKeyBlocks);
    for (int b = 0; b < nKeyBlocks; ++b) order[b] = b;
    std::sort(order.begin(), order.end(), [headShares](int32_t a, int32_t b) {
      return headShares[a] != headShares[b] ? headShares[a] > headShares[b] : a < b;
    });
    float kept = 0.f;
    for (int i = 0; i < nKeyBlocks && kept < tau; ++i) {
      keep[order[i]] = 1;
      kept += headShares[order[i]];
    }
  }
}

float check_recall(const float* shares, int group, int nKeyBlocks, const std::vector<int32_t>& kept) {
  float worst = 1.f;
  for (int h = 0; h < group; ++h) {
    float held = 0.f;
    for (int32_t b : kept) held += shares[size_t(h) * nKeyBlocks + b];
    worst = std::min(worst, held);
  }
  return worst;
}

}  // namespace unisparse::detail
