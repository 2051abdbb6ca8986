#include "block_sparse_attention.h"
#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>
#include "fast_exp.h"
#include "parallel_rows.h"

namespace unisparse::detail {

namespace {

// Query rows are processed in tiles of kTileRows so each loaded key/value vector feeds several rows: with
// 64x64 blocks a 4-row tile keeps the logits (4x64 floats) and, for head dim 64, the accumulators in vector
// registers, which is what moves this kernel from load-bound towards FMA-bound.
constexpr int kTileRows = 4;

// Dot product with 16 independent partial sums, then a pairwise tree: every step is an elementwise add, so it
// vectorises without -ffast-math. Used when a task has too few rows to amortise transposing the key block.
template <int kD>
inline float dot_rows(const float* a, const float* b, int dRuntime) {
  const int D = kD ? kD : dRuntime;
  float part[16] = {};
  for (int c = 0; c < D; c += 16)
    for (int l = 0; l < 16; ++l) part[l] += a[c + l] * b[c + l];
  for (int width = 8; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) part[l] += part[l + width];
  return part[0];
}

struct RowRef {
  const float* q;
  float* out;
  int pos;  // absolute position of the query
};

struct TaskScratch {
  std::vector<float> keyT;     // [headDim][blockSize]: key block transposed, so q.k is an axpy over keys
  std::vector<float> acc;      // [rows][headDim] unnormalised outputs
  std::vector<float> maxLogit; // [rows]
  std::vector<float> sumExp;   // [rows]
  std::vector<RowRef> rows;
};

// One tile of up to kTileRows query rows against one key block. kD/kS are the compile-time head dim and block
// size (0 = only known at run time); the fixed-size instantiations let the compiler unroll and keep tiles in
// registers. Rows of a short tile repeat the last row and their results are dropped.
// kDirect: logits come from dot products against the keys in place (kBase, kSeqStride) instead of the
// transposed block; for decode-sized tasks (<= kTileRows rows, head dim a multiple of 16) where the transpose
// would cost more than the attention itself.
template <int kD, int kS, bool kDirect>
void tile_against_block(int dRuntime, int sRuntime, const RowRef* rows, int nRows, float* acc, float* maxLogit,
                        float* sumExp, const float* keyT, const float* kBase, int64_t kSeqStride,
                        const float* vBase, int64_t vSeqStride, int keyFirst, int keyCount, bool causal, float scale) {
  const int D = kD ? kD : dRuntime;
  const int S = kS ? kS : sRuntime;
  alignas(64) float logits[kTileRows][kS ? kS : 256];
  int visible[kTileRows];
  int maxVisible = 0;
  for (int r = 0; r < kTileRows; ++r) {
    const RowRef& row = rows[std::min(r, nRows - 1)];
    visible[r] = causal ? std::min(keyCount, row.pos - keyFirst + 1) : keyCount;
    if (r < nRows) maxVisible = std::max(maxVisible, visible[r]);
  }
  if (maxVisible <= 0) return;

  if constexpr (kDirect) {
    for (int r = 0; r < kTileRows; ++r)
      for (int j = 0; j < S; ++j) logits[r][j] = 0.f;  // masked slots stay finite for the softmax below
    for (int r = 0; r < nRows; ++r)
      for (int j = 0; j < visible[r]; ++j)
        logits[r][j] = dot_rows<kD>(rows[r].q, kBase + int64_t(j) * kSeqStride, D) * scale;
  } else {
    for (int r = 0; r < kTileRows; ++r)
      for (int j = 0; j < S; ++j) logits[r][j] = 0.f;
    for (int c = 0; c < D; ++c) {
      const float* kt = keyT + size_t(c) * S;
      for (int r = 0; r < kTileRows; ++r) {
        const float qv = rows[std::min(r, nRows - 1)].q[c] * scale;
        for (int j = 0; j < S; ++j) logits[r][j] += qv * kt[j];
      }
    }
  }

  float rescale[kTileRows];
  for (int r = 0; r < nRows; ++r) {
    float blockMax = -INFINITY;
    for (int j = 0; j < visible[r]; ++j) blockMax = std::max(blockMax, logits[r][j]);
    if (visible[r] <= 0) {
      rescale[r] = 1.f;
      for (int j = 0; j < S; ++j) logits[r][j] = 0.f;
      continue;
    }
    const float newMax = std::max(maxLogit[r], blockMax);
    rescale[r] = fast_exp(maxLogit[r] - newMax);
    float blockSum = 0.f;
    for (int j = 0; j < S; ++j) {
      // Masked keys (after the query, or past the end of a partial block) get exactly zero weight.
      const float w = j < visible[r] ? fast_exp(logits[r][j] - newMax) : 0.f;
      logits[r][j] = w;
      blockSum += w;
    }
    sumExp[r] = sumExp[r] * rescale[r] + blockSum;
    maxLogit[r] = newMax;
  }
  for (int r = nRows; r < kTileRows; ++r) {
    rescale[r] = 1.f;
    for (int j = 0; j < S; ++j) logits[r][j] = 0.f;
  }

  alignas(64) float tileAcc[kTileRows][kD ? kD : 512];
  for (int r = 0; r < kTileRows; ++r)
    for (int c = 0; c < D; ++c) tileAcc[r][c] = r < nRows ? acc[size_t(r) * D + c] * rescale[r] : 0.f;
  for (int j = 0; j < maxVisible; ++j) {
    const float* vj = vBase + int64_t(j) * vSeqStride;
    for (int r = 0; r < kTileRows; ++r) {
      const float w = logits[r][j];
      for (int c = 0; c < D; ++c) tileAcc[r][c] += w * vj[c];
    }
  }
  for (int r = 0; r < nRows; ++r)
    for (int c = 0; c < D; ++c) acc[size_t(r) * D + c] = tileAcc[r][c];
}

using TileFn = void (*)(int, int, const RowRef*, int, float*, float*, float*, const float*, const float*, int64_t,
                        const float*, int64_t, int, int, bool, float);

template <bool kDirect>
TileFn pick_tile_kernel(int headDim, int blockSize) {
  if (headDim == 64 && blockSize == 64) return tile_against_block<64, 64, kDirect>;
  if (headDim == 128 && blockSize == 64) return tile_against_block<128, 64, kDirect>;
  if (headDim == 64 && blockSize == 128) return tile_against_block<64, 128, kDirect>;
  if (headDim == 128 && blockSize == 128) return tile_against_block<128, 128, kDirect>;
  if (headDim == 32 && blockSize == 64) return tile_against_block<32, 64, kDirect>;
  return tile_against_block<0, 0, kDirect>;
}

}  // namespace

// Decode-sized work (one query block with at most a tile of rows per kv head) has only kvHeads tasks, fewer than
// or not a multiple of the threads (SmolLM2: 3 kv heads on 2 cores). Such rows are split along their kept key
// blocks into parts of at least kMinSplitBlocks blocks; each part keeps its own softmax state and the parts are
// merged afterwards (the flash-decoding idea), so every thread streams its share of the KV cache.
constexpr int kMinSplitBlocks = 8;
constexpr int kMaxSplits = 8;

void block_sparse_attention(const AttentionShape& s, const AttentionOptions& opts, const BlockPlan& plan,
                            const float* q, const float* k, const float* v, float* out) {
  const int S = plan.blockSize;
  const int d = s.headDim;
  const int group = s.heads / s.kvHeads;
  const int offset = s.seqK - s.seqQ;
  const float scale = opts.scale > 0 ? opts.scale : 1.f / std::sqrt(float(d));
  const TileFn tiled = pick_tile_kernel<false>(d, S);
  const TileFn direct = d % 16 == 0 ? pick_tile_kernel<true>(d, S) : nullptr;
  const int64_t rowsTotal = int64_t(plan.kvHeads) * plan.nQueryBlocks;
  int splits = 1;
  if (plan.nQueryBlocks == 1 && int64_t(group) * s.seqQ <= kTileRows && resolve_threads(opts.threads) > 1) {
    int32_t shortest = INT32_MAX;
    for (int64_t r = 0; r < rowsTotal; ++r) shortest = std::min(shortest, plan.rowPtr[r + 1] - plan.rowPtr[r]);
    splits = std::max(1, std::min(kMaxSplits, int(shortest / kMinSplitBlocks)));
  }
  const int64_t nTasks = rowsTotal * splits;
  const int64_t blocksPerTask = std::max<int64_t>(plan.keptBlocks / std::max<int64_t>(nTasks, 1), 1);
  const int64_t workPerTask = int64_t(group) * std::min(S, s.seqQ) * S * d * 2 * blocksPerTask;
  // Split parts park their unnormalised state here: [task][rows][d] accumulators, [task][rows] max and sum.
  const int splitRows = group * s.seqQ;
  std::vector<float> partAcc, partMax, partSum;
  if (splits > 1) {
    partAcc.assign(size_t(nTasks) * splitRows * d, 0.f);
    partMax.assign(size_t(nTasks) * splitRows, -INFINITY);
    partSum.assign(size_t(nTasks) * splitRows, 0.f);
  }

  run_parallel(nTasks, opts.threads, workPerTask, [&](auto take) {
    TaskScratch sc;
    sc.keyT.resize(size_t(d) * S);
    int64_t task;
    while (take(task)) {
      const int64_t rowTask = task / splits;
      const int part = int(task % splits);
      // Heavy (late) rows first so the end of the loop is short rows.
      const int row = plan.nQueryBlocks - 1 - int(rowTask / plan.kvHeads);
      const int kvHead = int(rowTask % plan.kvHeads);
      const int block = plan.firstQueryBlock + row;
      const int firstPos = std::max(block * S, offset);
      const int lastPos = std::min((block + 1) * S, s.seqK);  // exclusive
      if (lastPos <= firstPos) continue;
      sc.rows.clear();
      for (int h = kvHead * group; h < (kvHead + 1) * group; ++h)
        for (int pos = firstPos; pos < lastPos; ++pos)
          sc.rows.push_back({q + h * s.qHeadStride + int64_t(pos - offset) * s.qSeqStride,
                             out + h * s.oHeadStride + int64_t(pos - offset) * s.oSeqStride, pos});
      const int nRows = int(sc.rows.size());
      const bool useDirect = direct && nRows <= kTileRows;
      sc.acc.assign(size_t(nRows) * d, 0.f);
      sc.maxLogit.assign(nRows, -INFINITY);
      sc.sumExp.assign(nRows, 0.f);

      const size_t planRow = size_t(kvHead) * plan.nQueryBlocks + row;
      const int32_t rowBegin = plan.rowPtr[planRow], rowEnd = plan.rowPtr[planRow + 1];
      const int32_t iBegin = rowBegin + int32_t(int64_t(rowEnd - rowBegin) * part / splits);
      const int32_t iEnd = rowBegin + int32_t(int64_t(rowEnd - rowBegin) * (part + 1) / splits);
      for (int32_t i = iBegin; i < iEnd; ++i) {
        const int keyFirst = plan.keyBlocks[i] * S;
        const int keyCount = std::min(S, s.seqK - keyFirst);
        const float* kBase = k + kvHead * s.kHeadStride + int64_t(keyFirst) * s.kSeqStride;
        for (int c = 0; c < d && !useDirect; ++c) {
          float* dst = sc.keyT.data() + size_t(c) * S;
          for (int j = 0; j < keyCount; ++j) dst[j] = kBase[int64_t(j) * s.kSeqStride + c];
          for (int j = keyCount; j < S; ++j) dst[j] = 0.f;  // masked later; zero keeps the logits finite
        }
        const float* vBase = v + kvHead * s.vHeadStride + int64_t(keyFirst) * s.vSeqStride;
        for (int r = 0; r < nRows; r += kTileRows) {
          const int n = std::min(kTileRows, nRows - r);
          (useDirect ? direct : tiled)(d, S, sc.rows.data() + r, n, sc.acc.data() + size_t(r) * d,
                                       sc.maxLogit.data() + r, sc.sumExp.data() + r, sc.keyT.data(), kBase,
                                       s.kSeqStride, vBase, s.vSeqStride, keyFirst, keyCount, opts.causal, scale);
        }
      }
      if (splits > 1) {
        std::copy(sc.acc.begin(), sc.acc.end(), partAcc.begin() + size_t(task) * splitRows * d);
        std::copy(sc.maxLogit.begin(), sc.maxLogit.end(), partMax.begin() + size_t(task) * splitRows);
        std::copy(sc.sumExp.begin(), sc.sumExp.end(), partSum.begin() + size_t(task) * splitRows);
        continue;
      }
      for (int r = 0; r < nRows; ++r) {
        const float inv = sc.sumExp[r] > 0.f ? 1.f / sc.sumExp[r] : 0.f;
        const float* acc = sc.acc.data() + size_t(r) * d;
        for (int c = 0; c < d; ++c) sc.rows[r].out[c] = acc[c] * inv;
      }
    }
  });
  if (splits == 1) return;

  // Merge the parts of each row: rescale every part to the row's overall max, then normalise once.
  std::vector<float> merged(d);
  for (int64_t rowTask = 0; rowTask < rowsTotal; ++rowTask) {
    const int kvHead = int(rowTask % plan.kvHeads);
    for (int r = 0; r < splitRows; ++r) {
      const int h = kvHead * group + r / s.seqQ;
      const int i = r % s.seqQ;
      float rowMax = -INFINITY;
      for (int p = 0; p < splits; ++p) rowMax = std::max(rowMax, partMax[size_t(rowTask * splits + p) * splitRows + r]);
      std::fill(merged.begin(), merged.end(), 0.f);
      float sum = 0.f;
      for (int p = 0; p < splits; ++p) {
        const size_t at = size_t(rowTask * splits + p) * splitRows + r;
        if (partMax[at] == -INFINITY) continue;  // this part saw no visible key
        const float w = std::exp(partMax[at] - rowMax);
        sum += partSum[at] * w;
        const float* acc = partAcc.data() + at * d;
        for (int c = 0; c < d; ++c) merged[c] += acc[c] * w;
      }
      float* o = out + h * s.oHeadStride + int64_t(i) * s.oSeqStride;
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      for (int c = 0; c < d; ++c) o[c] = merged[c] * inv;
    }
  }
}

}  // namespace unisparse::detail
