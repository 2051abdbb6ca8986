#include "question_attention.h"

#include <algorithm>
#include <cmath>

namespace unisparse {

void accumulateQuestionAttention(const QuestionAttentionShape& s, const float* q, int qPosition, const float* k,
                                 int rowFrom, int rowTo, std::vector<double>& mass, ThreadPool& pool) {
  if (rowTo <= rowFrom || s.heads <= 0) return;
  const int S = s.blockSize;
  const int nBlocks = (rowTo - 1) / S + 1;
  if (mass.size() < size_t(nBlocks)) mass.resize(size_t(nBlocks), 0.0);
  const int group = s.heads / s.kvHeads;
  const float scale = 1.f / std::sqrt(float(s.headDim));
  const int nRows = rowTo - rowFrom;
  const int tasks = nRows * s.heads;
  // One partial sum per thread, merged after: tasks of different rows and heads add into the same blocks.
  std::vector<std::vector<double>> partial(size_t(pool.size()), std::vector<double>(size_t(nBlocks), 0.0));
  pool.parallelFor(tasks, [&](int task, int thread) {
    const int row = rowFrom + task / s.heads;
    const int head = task % s.heads;
    const float* qr = q + int64_t(row - qPosition) * s.qRowStride + int64_t(head) * s.headDim;
    const float* kh = k + int64_t(head / group) * s.headDim;
    const int keys = row + 1;
    std::vector<float> p(static_cast<size_t>(keys));
    float best = -INFINITY;
    for (int j = 0; j < keys; ++j) {
      const float* kr = kh + int64_t(j) * s.kRowStride;
      float dot = 0.f;
      for (int d = 0; d < s.headDim; ++d) dot += qr[d] * kr[d];
      p[size_t(j)] = dot * scale;
      best = std::max(best, p[size_t(j)]);
    }
    double sum = 0.0;
    for (int j = 0; j < keys; ++j) sum += (p[size_t(j)] = std::exp(p[size_t(j)] - best));
    const int own = row / S;
    std::vector<double>& out = partial[size_t(thread)];
    for (int j = S; j < keys; ++j) {  // j < S is the sink block
      const int b = j / S;
      if (b != own) out[size_t(b)] += p[size_t(j)] / sum;
    }
  });
  for (const auto& part : partial)
    for (int b = 0; b < nBlocks; ++b) mass[size_t(b)] += part[size_t(b)];
}

}  // namespace unisparse
