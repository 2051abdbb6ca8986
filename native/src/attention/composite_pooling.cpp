#include "composite_pooling.h"
#include <algorithm>

namespace unisparse::detail {

void pool_keys(const AttentionShape& s, const float* k, int kvHead, int blockSize, int perBlock,
               CompositeKeys* out) {
  const int pooled = blockSize / perBlock;
  const int nBlocks = (s.seqK + blockSize - 1) / blockSize;
  const int slots = nBlocks * perBlock;
  out->perBlock = perBlock;
  out->nBlocks = nBlocks;
  out->slots = slots;
  out->stride = (slots + kKeyTile - 1) / kKeyTile * kKeyTile;
  out->meanT.assign(size_t(s.headDim) * out->stride, 0.f);
  out->present.assign(slots, 0);
  std::vector<float> sum(s.headDim);
  const float* base = k + kvHead * s.kHeadStride;
  for (int slot = 0; slot < slots; ++slot) {
    const int first = slot * pooled;
    const int last = std::min(first + pooled, s.seqK);
    if (first >= last) continue;
    std::fill(sum.begin(), sum.end(), 0.f);
    for (int t = first; t < last; ++t) {
      const float* row = base + int64_t(t) * s.kSeqStride;
      for (int c = 0; c < s.headDim; ++c) sum[c] += row[c];
    }
    const float inv = 1.f / float(last - first);
    for (int c = 0; c < s.headDim; ++c) out->meanT[size_t(c) * out->stride + slot] = sum[c] * inv;
    out->present[slot] = 1;
  }
}

int pool_query_block(const AttentionShape& s, const float* q, int kvHead, int blockSize, int perBlock,
                     int block, float* meanOut, uint8_t* presentOut) {
  const int pooled = blockSize / perBlock;
  const int group = s.heads / s.kvHeads;
  const int offset = s.seqK - s.seqQ;  // absolute position of query row 0
  int present = 0;
  for (int j = 0; j < perBlock; ++j) {
    float* mean = meanOut + size_t(j) * s.headDim;
    std::fill(mean, mean + s.headDim, 0.f);
    const int first = std::max(block * blockSize + j * pooled, offset);
    const int last = std::min(block * blockSize + (j + 1) * pooled, s.seqK);
    presentOut[j] = first < last;
    if (first >= last) continue;
    for (int h = kvHead * group; h < (kvHead + 1) * group; ++h) {
      for (int p = first; p < last; ++p) {
        const float* row = q + h * s.qHeadStride + int64_t(p - offset) * s.qSeqStride;
        for (int c = 0; c < s.headDim; ++c) mean[c] += row[c];
      }
    }
    const float inv = 1.f / float((last - first) * group);
    for (int c = 0; c < s.headDim; ++c) mean[c] *= inv;
    ++present;
  }
  return present;
}

}  // namespace unisparse::detail
