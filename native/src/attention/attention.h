// The attention interface shared by the model runtime, the Node binding and the tests.
// Dense and UniSparse run behind the same call so the runtime never branches on the mode.
#pragma once
#include <cstdint>
#include <vector>

namespace unisparse {

enum class AttentionMode { Dense, UniSparse };

// Where the tensors live and how they are laid out. Strides are in elements, so the model runtime
// can pass its token-major [seq, heads, headDim] buffers and the binding its head-major
// [heads, seq, headDim] arrays without copies.
struct AttentionShape {
  int heads = 0;       // query heads
  int kvHeads = 0;     // key/value heads (GQA when < heads)
  int headDim = 0;
  int seqQ = 0;        // number of query rows in this call
  int seqK = 0;        // number of keys (>= seqQ); queries are the last seqQ positions of the keys
  int64_t qHeadStride = 0, qSeqStride = 0;
  int64_t kHeadStride = 0, kSeqStride = 0;
  int64_t vHeadStride = 0, vSeqStride = 0;
  int64_t oHeadStride = 0, oSeqStride = 0;
};

// The share above which a selected block brings its neighbours (UniSparseConfig::neighbourShare). At 0.05 the
// planted 128K needle that straddles a block edge keeps its small fragment (worst row recall 0.544 -> 0.972, output
// error 0.142 -> 0.006 at the same density 0.340), while every SmolLM2 layer at 8K keeps the same blocks
// (test/attention-study/results-neighbours-2026-12-01.md).
constexpr float kDefaultNeighbourShare = 0.05f;

struct UniSparseConfig {
  int blockSize = 64;            // S: tokens per query/key block
  // Tuned end to end on SmolLM2-135M (README, "Top-1 agreement"): with checkRecall 0.99, tau 0.995 is where the
  // next-token top-1 of a sparse prefill agrees with a dense prefill on >= 99% of positions of real source at 8K
  // tokens (S = 64, granularities {4, 16}). 0.985 already keeps every layer's attention recall >= 0.95 but flips
  // 1.5-2.5% of the predictions; 0.9-0.95 trade more of both for density.
  float tau = 0.995f;            // cumulative share of estimated block mass to keep per row
  std::vector<int> granularities = {4, 16};  // composite tokens per block, one estimate each
  int minBlocks = 0;             // per-row lower bound on kept blocks (0 = none)
  int maxBlocks = 0;             // per-row upper bound (0 = none); sink and diagonal are always kept
  // Score the last query block exactly against every key (last_block_check.h). A kv head whose estimated selection
  // of that block holds less than checkRecall of its exact mass selects all its rows with widened_tau(tau) and
  // keeps, in every row, the key blocks that hold tau of that exact mass (unless maxBlocks caps the rows).
  // On SmolLM2 at 8K this lifts the worst layer's recall at tau 0.985 from 0.77 to 0.97 (test/attention-study).
  // At 0.99 rather than 0.95 it widens the heads whose estimate misses 1-5% of the last block's mass, the misses
  // that flip near-tied next-token predictions.
  bool lastBlockCheck = true;
  float checkRecall = 0.99f;
  // Neighbour expansion: a block taken with at least this estimated share also brings the blocks on either side
  // (0 turns it off; hard row budgets, maxBlocks, turn it off too). A needle that straddles a block edge puts most
  // of its keys in one block, which the mean-pooled estimate sees, and a few in the next, which it does not.
  float neighbourShare = kDefaultNeighbourShare;
  // Copy sources (copy_sources.h): the model runtime indexes its tokens and every row also keeps the key blocks that
  // follow an earlier occurrence of the last copyNgram tokens of one of its queries, the copyRecent latest ones
  // (copyRecent 0 turns it off). These are the keys an induction head reads alone, and a block-mean estimate misses.
  int copyNgram = 3;
  int copyRecent = 4;
};

// Composite tokens per block for a model of this shape (the model runtime and the CUDA library's C API use it when
// none are given). The estimate costs about (g / S)^2 of dense attention per kv head, so next to the sparse
// attention it plans, an MHA model (one query head per kv head) pays four to eight times what a GQA model does.
// MHA gets one granularity of 16-token composites: on the planted 128K workload (32 heads, S = 128, tau 0.95, H200)
// it kept the recall of {4, 16} (0.957 against 0.959, density 0.129 against 0.134) for about a third of the plan
// time (test/gpu/results/h200-2026-12-02-plan/). GQA keeps the tuned {4, 16}.
inline std::vector<int> default_granularities(int heads, int kvHeads, int blockSize) {
  if (heads == kvHeads) return {blockSize / 16 >= 2 ? blockSize / 16 : 2};
  return {4, 16};
}

// The budget of a kv head whose estimate failed the check: a third of the mass tau leaves out.
inline float widened_tau(float tau) { return 1.f - (1.f - tau) / 3.f; }

class CopySourceIndex;

struct AttentionOptions {
  AttentionMode mode = AttentionMode::Dense;
  bool causal = true;
  float scale = 0.f;             // 0 means 1/sqrt(headDim)
  UniSparseConfig sparse;
  int threads = 0;               // 0 = use the runtime's pool size
  // The sequence's copy sources, indexed by absolute query block (null: none). Its block size must equal
  // sparse.blockSize and it must cover the keys' positions; validate_attention checks both.
  const CopySourceIndex* copySources = nullptr;
};

// The block plan (FlashInfer-style BSR): for each kv head and each query block, the kept key blocks.
// It is what the kernel runs and what the editor overlay draws.
struct BlockPlan {
  int kvHeads = 0;
  int firstQueryBlock = 0;       // absolute block index of row 0: (seqK - seqQ) / blockSize
  int nQueryBlocks = 0;          // rows per kv head: nKeyBlocks - firstQueryBlock
  int nKeyBlocks = 0;
  int blockSize = 0;
  std::vector<int32_t> rowPtr;   // size kvHeads * nQueryBlocks + 1
  std::vector<int32_t> keyBlocks;  // kept key block indices, ascending within a row
  std::vector<float> keyScores;    // estimated share of each kept block, parallel to keyBlocks
  int64_t keptBlocks = 0;
  int64_t causalBlocks = 0;
  double density() const { return causalBlocks ? double(keptBlocks) / double(causalBlocks) : 1.0; }
};

// Blocks are aligned to absolute key positions (block b holds positions [b*S, (b+1)*S)), so a prefill chunk
// whose queries start inside a block shares that block with the keys before it.
//
// Decode (seqQ == 1 with earlier keys) always runs dense, in both modes: the UniSparse estimate needs the
// pooled keys of the whole cache, which costs about as much as one dense decode row. Only prefill is sparse.
//
// out = softmax(q k^T * scale + causal mask) v, computed densely or over the kept blocks only.
// When `plan` is not null it receives the plan that ran (a full causal plan for dense).
// Throws std::invalid_argument with a sentence naming the bad field (shapes, blockSize, tau, granularities).
void attention_cpu(const AttentionShape& shape, const AttentionOptions& opts,
                   const float* q, const float* k, const float* v, float* out, BlockPlan* plan);

// Only the UniSparse plan (estimate + selection), without running attention: for tests, the overlay and the
// CPU/GPU plan comparison. In dense mode (or for decode) it returns the full causal plan.
void attention_plan_cpu(const AttentionShape& shape, const AttentionOptions& opts,
                        const float* q, const float* k, BlockPlan* plan);

// Checks shape and options; throws std::invalid_argument naming the bad field and the fix.
void validate_attention(const AttentionShape& shape, const AttentionOptions& opts);

}  // namespace unisparse
