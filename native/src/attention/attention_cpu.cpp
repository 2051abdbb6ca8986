// Placeholder dense path so the runtime links while the attention subsystem is written;
// the attention owner replaces this file (dense + UniSparse, threaded, vectorised).
#include "attention.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace unisparse {

void attention_cpu(const AttentionShape& s, const AttentionOptions& opts,
                   const float* q, const float* k, const float* v, float* out, BlockPlan* plan) {
  const float scale = opts.scale > 0 ? opts.scale : 1.0f / std::sqrt(float(s.headDim));
  const int group = s.heads / s.kvHeads;
  const int offset = s.seqK - s.seqQ;
  std::vector<float> p(s.seqK);
  for (int h = 0; h < s.heads; ++h) {
    const int kh = h / group;
    for (int i = 0; i < s.seqQ; ++i) {
      const float* qi = q + h * s.qHeadStride + i * s.qSeqStride;
      const int last = opts.causal ? offset + i : s.seqK - 1;
      float m = -INFINITY;
      for (int j = 0; j <= last; ++j) {
        const float* kj = k + kh * s.kHeadStride + j * s.kSeqStride;
        float d = 0;
        for (int c = 0; c < s.headDim; ++c) d += qi[c] * kj[c];
        p[j] = d * scale;
        m = std::max(m, p[j]);
      }
      float sum = 0;
      for (int j = 0; j <= last; ++j) { p[j] = std::exp(p[j] - m); sum += p[j]; }
      float* oi = out + h * s.oHeadStride + i * s.oSeqStride;
      for (int c = 0; c < s.headDim; ++c) oi[c] = 0;
      for (int j = 0; j <= last; ++j) {
        const float* vj = v + kh * s.vHeadStride + j * s.vSeqStride;
        const float w = p[j] / sum;
        for (int c = 0; c < s.headDim; ++c) oi[c] += w * vj[c];
      }
    }
  }
  if (plan) *plan = BlockPlan{};
}

}  // namespace unisparse
