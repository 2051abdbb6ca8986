// The CPU entry points: validate, choose the plan (full for dense and decode, estimated for UniSparse
// prefill), run the block-sparse kernel over it.
#include <cmath>
#include <stdexcept>
#include <string>
#include "attention.h"
#include "block_sparse_attention.h"
#include "copy_sources.h"
#include "dense_attention.h"
#include "unisparse_plan.h"

namespace unisparse {

namespace {

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

// Decode appends one token to a cache: the estimate would pool the whole cache again for one row.
bool is_decode(const AttentionShape& s) { return s.seqQ == 1 && s.seqK > 1; }

bool wants_sparse(const AttentionShape& s, const AttentionOptions& opts) {
  return opts.mode == AttentionMode::UniSparse && !is_decode(s);
}

}  // namespace

void validate_attention(const AttentionShape& s, const AttentionOptions& opts) {
  if (s.heads <= 0 || s.kvHeads <= 0)
    fail("attention: heads (" + std::to_string(s.heads) + ") and kvHeads (" + std::to_string(s.kvHeads) +
         ") must both be positive.");
  if (s.heads % s.kvHeads != 0)
    fail("attention: heads (" + std::to_string(s.heads) + ") must be a multiple of kvHeads (" +
         std::to_string(s.kvHeads) + ") so each key/value head serves a whole group of query heads.");
  if (s.headDim <= 0 || s.headDim > 512)
    fail("attention: headDim " + std::to_string(s.headDim) + " is not supported on the CPU; use 1 to 512.");
  if (s.seqQ <= 0 || s.seqK <= 0)
    fail("attention: the sequence is empty (seqQ " + std::to_string(s.seqQ) + ", seqK " + std::to_string(s.seqK) +
         "); pass at least one token.");
  if (s.seqQ > s.seqK)
    fail("attention: seqQ (" + std::to_string(s.seqQ) + ") exceeds seqK (" + std::to_string(s.seqK) +
         "); queries must be the last seqQ positions of the keys.");
  if (!(opts.scale >= 0.f) || !std::isfinite(opts.scale))
    fail("attention: scale must be a finite number >= 0 (0 means 1/sqrt(headDim)).");
  const UniSparseConfig& c = opts.sparse;
  if (c.blockSize < 16 || c.blockSize > 256 || (c.blockSize & (c.blockSize - 1)) != 0)
    fail("attention: blockSize " + std::to_string(c.blockSize) +
         " is not supported; use a power of two from 16 to 256 (64 or 128 are the tuned sizes).");
  if (opts.mode == AttentionMode::UniSparse) {
    if (!opts.causal)
      fail("attention: mode 'unisparse' is causal prefill only; set causal: true or use mode 'dense'.");
    if (!(c.tau > 0.f) || !std::isfinite(c.tau))
      fail("attention: tau must be a number in (0, 1] (0.9 to 0.95 is typical; 1 keeps every block).");
    if (c.granularities.empty())
      fail("attention: granularities is empty; give at least one count of composite tokens per block, e.g. [4, 16].");
    for (int g : c.granularities)
      if (g <= 0 || g > c.blockSize || c.blockSize % g != 0)
        fail("attention: granularity " + std::to_string(g) + " must divide blockSize " +
             std::to_string(c.blockSize) + " (composite tokens per block, e.g. 4 or 16).");
    if (!(c.checkRecall >= 0.f && c.checkRecall <= 1.f))
      fail("attention: checkRecall must be a number in [0, 1] (0.99 by default; 0 never widens tau).");
    if (c.minBlocks < 0 || c.maxBlocks < 0)
      fail("attention: minBlocks and maxBlocks must be >= 0 (0 means no bound).");
    if (c.copyRecent < 0 || c.copyNgram < 1 || c.copyNgram > 3)
      fail("attention: copyNgram must be 1, 2 or 3 and copyRecent >= 0 (0 turns copy sources off).");
    if (const CopySourceIndex* cs = opts.copySources) {
      if (cs->blockSize() != c.blockSize)
        fail("attention: the copy-source index uses " + std::to_string(cs->blockSize()) +
             "-token blocks but blockSize is " + std::to_string(c.blockSize) + "; build it with the plan's block size.");
      if (cs->size() < s.seqK)
        fail("attention: the copy-source index holds " + std::to_string(cs->size()) + " tokens but the keys span " +
             std::to_string(s.seqK) + "; append every token before planning.");
    }
  }
}

void attention_plan_cpu(const AttentionShape& s, const AttentionOptions& opts, const float* q, const float* k,
                        BlockPlan* plan) {
  validate_attention(s, opts);
  if (wants_sparse(s, opts))
    detail::unisparse_plan(s, opts, q, k, plan);
  else
    detail::full_plan(s, opts.sparse.blockSize, opts.causal, plan);
}

void attention_cpu(const AttentionShape& s, const AttentionOptions& opts, const float* q, const float* k,
                   const float* v, float* out, BlockPlan* plan) {
  BlockPlan local;
  BlockPlan* ran = plan ? plan : &local;
  attention_plan_cpu(s, opts, q, k, ran);
  detail::block_sparse_attention(s, opts, *ran, q, k, v, out);
}

}  // namespace unisparse
