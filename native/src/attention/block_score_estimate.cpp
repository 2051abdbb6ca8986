#include "block_score_estimate.h"
#include <algorithm>
#include <cmath>
#include "fast_exp.h"

namespace {
// Composite queries per register tile (4 x 64 partial logits = 16 AVX-512 registers).
constexpr int kQueryTile = 4;
}  // namespace

namespace unisparse::detail {

void estimate_block_row(const AttentionShape& s, const float* q, int kvHead, int blockSize, float scale,
                        const std::vector<const CompositeKeys*>& keys, int block, float* shares,
                        EstimateScratch* sc) {
  const int d = s.headDim;
  std::fill(shares, shares + block + 1, 0.f);
  const float perGranularity = 1.f / float(keys.size());
  for (const CompositeKeys* ck : keys) {
    const int g = ck->perBlock;
    sc->queryMean.resize(size_t(g) * d);
    sc->queryPresent.resize(g);
    const int nQueries = pool_query_block(s, q, kvHead, blockSize, g, block, sc->queryMean.data(),
                                          sc->queryPresent.data());
    if (nQueries == 0) continue;
    sc->rowShare.assign(block + 1, 0.f);
    // Logits of all g composite queries against the keys of blocks 0..block: a register tile of
    // kQueryTile queries x kKeyTile keys accumulates over the head dim, so each loaded key vector feeds several
    // queries and the partial sums never leave registers. Query j only uses slots [0, block*g + j + 1); the
    // extra slots it gets here are ignored below.
    const int slots = (block + 1) * g;
    const int paddedSlots = (slots + kKeyTile - 1) / kKeyTile * kKeyTile;
    sc->logits.resize(size_t(g) * paddedSlots);
    for (int j0 = 0; j0 < g; j0 += kQueryTile) {
      const float* qrows[kQueryTile];
      for (int r = 0; r < kQueryTile; ++r)
        qrows[r] = sc->queryMean.data() + size_t(std::min(j0 + r, g - 1)) * d;
      for (int t0 = 0; t0 < slots; t0 += kKeyTile) {
        alignas(64) float acc[kQueryTile][kKeyTile] = {};
        for (int c = 0; c < d; ++c) {
          const float* kt = ck->meanT.data() + size_t(c) * ck->stride + t0;
          for (int r = 0; r < kQueryTile; ++r) {
            const float qv = qrows[r][c] * scale;
            for (int t = 0; t < kKeyTile; ++t) acc[r][t] += qv * kt[t];
          }
        }
        for (int r = 0; r < kQueryTile && j0 + r < g; ++r)
          std::copy(acc[r], acc[r] + kKeyTile, sc->logits.data() + size_t(j0 + r) * paddedSlots + t0);
      }
    }
    for (int j = 0; j < g; ++j) {
      if (!sc->queryPresent[j]) continue;
      const int visible = block * g + j + 1;
      float* logits = sc->logits.data() + size_t(j) * paddedSlots;
      float maxLogit = -INFINITY;
      for (int t = 0; t < visible; ++t)
        if (ck->present[t]) maxLogit = std::max(maxLogit, logits[t]);
      float total = 0.f;
      for (int t = 0; t < visible; ++t) {
        const float w = ck->present[t] ? fast_exp(logits[t] - maxLogit) : 0.f;
        logits[t] = w;
        total += w;
      }
      const float inv = 1.f / total;
      for (int b = 0, t = 0; b <= block; ++b) {
        float blockSum = 0.f;
        for (int l = 0; l < g && t < visible; ++l, ++t) blockSum += logits[t];
        sc->rowShare[b] += blockSum * inv;
      }
    }
    const float norm = perGranularity / float(nQueries);
    for (int b = 0; b <= block; ++b) shares[b] += sc->rowShare[b] * norm;
  }
}

}  // namespace unisparse::detail
