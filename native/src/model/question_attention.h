// Question-conditioned attention: how much exact softmax attention the question's query rows give each key block
// of the prompt. This is what the editor's overlay shows ("what the question read"), computed from the real
// queries and cached keys of every layer and head, not from the sparse plan's estimates, so dense and UniSparse
// runs are scored the same way.
#pragma once
#include <cstdint>
#include <vector>

#include "common/thread_pool.h"

namespace unisparse {

struct QuestionAttentionShape {
  int heads = 0, kvHeads = 0, headDim = 0;
  int blockSize = 64;
  int64_t qRowStride = 0;   // floats between query rows (all heads of one token)
  int64_t kRowStride = 0;   // floats between cached key rows
};

// Adds, for the query rows at absolute positions [rowFrom, rowTo), the softmax weight each key block receives,
// summed over heads, into mass[block]. `q` holds the rows of positions [qPosition, ...) and `k` the cache from
// position 0. The sink block (0) and each row's own block are left out: every row attends there regardless of
// the question, so they would drown the blocks the question actually looks up.
void accumulateQuestionAttention(const QuestionAttentionShape& s, const float* q, int qPosition, const float* k,
                                 int rowFrom, int rowTo, std::vector<double>& mass, ThreadPool& pool);

}  // namespace unisparse
