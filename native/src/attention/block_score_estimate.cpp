#include "block_score_estimate.h"
#include <algorithm>
#include <cmath>
#include "fast_exp.h"

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
    // Logits of all g composite queries against the keys of blocks 0..block, computed in key chunks so one
    // chunk of transposed composite keys (headDim x kChunk) stays in L1 while every query of the block reads it.
    // Query j only uses slots [0, block*g + j + 1); the extra slots it gets here are ignored below.
    const int slots = (block + 1) * g;
    sc->logits.assign(size_t(g) * slots, 0.f);
    constexpr int kChunk = 256;
    for (int t0 = 0; t0 < slots; t0 += kChunk) {
      const int n = std::min(kChunk, slots - t0);
      for (int c = 0; c < d; ++c) {
        const float* kt = ck->meanT.data() + size_t(c) * ck->slots + t0;
        for (int j = 0; j < g; ++j) {
          if (!sc->queryPresent[j]) continue;
          const float qv = sc->queryMean[size_t(j) * d + c] * scale;
          float* out = sc->logits.data() + size_t(j) * slots + t0;
          for (int t = 0; t < n; ++t) out[t] += qv * kt[t];
        }
      }
    }
    for (int j = 0; j < g; ++j) {
      if (!sc->queryPresent[j]) continue;
      const int visible = block * g + j + 1;
      float* logits = sc->logits.data() + size_t(j) * slots;
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
