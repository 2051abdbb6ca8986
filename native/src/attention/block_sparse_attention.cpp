#include "block_sparse_attention.h"
#include <algorithm>
#include <cmath>
#include <vector>
#include "fast_exp.h"
#include "parallel_rows.h"

namespace unisparse::detail {

namespace {

// Running softmax state of one query row: max logit, sum of exp, unnormalised output.
struct RowState {
  float maxLogit;
  float sumExp;
  float* acc;
};

struct Scratch {
  std::vector<float> keyT;    // [headDim][blockSize]: the key block transposed, so q.k is an axpy over keys
  std::vector<float> logits;  // [blockSize]
  std::vector<float> acc;     // [rows][headDim]
  std::vector<float> maxLogit, sumExp;
};

}  // namespace

void block_sparse_attention(const AttentionShape& s, const AttentionOptions& opts, const BlockPlan& plan,
                            const float* q, const float* k, const float* v, float* out) {
  const int S = plan.blockSize;
  const int d = s.headDim;
  const int group = s.heads / s.kvHeads;
  const int offset = s.seqK - s.seqQ;
  const float scale = opts.scale > 0 ? opts.scale : 1.f / std::sqrt(float(d));
  const int64_t nTasks = int64_t(plan.kvHeads) * plan.nQueryBlocks;
  const int64_t workPerTask = plan.nQueryBlocks
      ? int64_t(group) * S * d * 2 * std::max<int64_t>(plan.keptBlocks / std::max(nTasks, int64_t(1)), 1) * S
      : 0;

  run_parallel(nTasks, opts.threads, workPerTask, [&](auto take) {
    Scratch sc;
    sc.keyT.resize(size_t(d) * S);
    sc.logits.resize(S);
    int64_t task;
    while (take(task)) {
      // Heavy (late) rows first so the tail of the loop is short rows.
      const int row = plan.nQueryBlocks - 1 - int(task / plan.kvHeads);
      const int kvHead = int(task % plan.kvHeads);
      const int block = plan.firstQueryBlock + row;
      const int firstPos = std::max(block * S, offset);
      const int lastPos = std::min((block + 1) * S, s.seqK);  // exclusive
      const int perHead = lastPos - firstPos;
      if (perHead <= 0) continue;
      const int rows = perHead * group;
      sc.acc.assign(size_t(rows) * d, 0.f);
      sc.maxLogit.assign(rows, -INFINITY);
      sc.sumExp.assign(rows, 0.f);

      const int32_t* kept = plan.keyBlocks.data() + plan.rowPtr[size_t(kvHead) * plan.nQueryBlocks + row];
      const int32_t* keptEnd = plan.keyBlocks.data() + plan.rowPtr[size_t(kvHead) * plan.nQueryBlocks + row + 1];
      for (; kept != keptEnd; ++kept) {
        const int keyFirst = *kept * S;
        const int keyCount = std::min(S, s.seqK - keyFirst);
        const float* kBase = k + kvHead * s.kHeadStride + int64_t(keyFirst) * s.kSeqStride;
        for (int j = 0; j < keyCount; ++j)
          for (int c = 0; c < d; ++c) sc.keyT[size_t(c) * S + j] = kBase[int64_t(j) * s.kSeqStride + c];
        const float* vBase = v + kvHead * s.vHeadStride + int64_t(keyFirst) * s.vSeqStride;

        for (int r = 0; r < rows; ++r) {
          const int h = kvHead * group + r / perHead;
          const int pos = firstPos + r % perHead;
          // Keys after the query are masked exactly: in causal mode only the first `visible` keys count.
          const int visible = opts.causal ? std::min(keyCount, pos - keyFirst + 1) : keyCount;
          if (visible <= 0) continue;
          const float* qi = q + h * s.qHeadStride + int64_t(pos - offset) * s.qSeqStride;
          float* logits = sc.logits.data();
          std::fill(logits, logits + visible, 0.f);
          for (int c = 0; c < d; ++c) {
            const float qv = qi[c] * scale;
            const float* kt = sc.keyT.data() + size_t(c) * S;
            for (int j = 0; j < visible; ++j) logits[j] += qv * kt[j];
          }
          float blockMax = -INFINITY;
          for (int j = 0; j < visible; ++j) blockMax = std::max(blockMax, logits[j]);
          const float newMax = std::max(sc.maxLogit[r], blockMax);
          const float rescale = fast_exp(sc.maxLogit[r] - newMax);
          float blockSum = 0.f;
          for (int j = 0; j < visible; ++j) {
            logits[j] = fast_exp(logits[j] - newMax);
            blockSum += logits[j];
          }
          sc.sumExp[r] = sc.sumExp[r] * rescale + blockSum;
          sc.maxLogit[r] = newMax;
          float* acc = sc.acc.data() + size_t(r) * d;
          for (int c = 0; c < d; ++c) acc[c] *= rescale;
          for (int j = 0; j < visible; ++j) {
            const float w = logits[j];
            const float* vj = vBase + int64_t(j) * s.vSeqStride;
            for (int c = 0; c < d; ++c) acc[c] += w * vj[c];
          }
        }
      }
      for (int r = 0; r < rows; ++r) {
        const int h = kvHead * group + r / perHead;
        const int pos = firstPos + r % perHead;
        float* o = out + h * s.oHeadStride + int64_t(pos - offset) * s.oSeqStride;
        const float inv = sc.sumExp[r] > 0.f ? 1.f / sc.sumExp[r] : 0.f;
        const float* acc = sc.acc.data() + size_t(r) * d;
        for (int c = 0; c < d; ++c) o[c] = acc[c] * inv;
      }
    }
  });
}

}  // namespace unisparse::detail
