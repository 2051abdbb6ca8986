// Copy sources: the key blocks that induction ("copy") heads read. A trained LM has heads that, at position i,
// attend to the token that followed an earlier occurrence of the tokens ending at i (Olsson et al., 2022), and the
// next-token prediction copies it. Such a row reads one distant key almost alone, which a block-mean estimate dilutes
// by the block size and misses: on SmolLM2-135M over 8K tokens of real source, the rows the plan served worst were
// nearly all of this kind (test/attention-study/copy_sources_study.py). The tokens say where those keys are, so the
// plan keeps their blocks outright; this costs a hash lookup per token and no attention arithmetic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace unisparse {

class CopySourceIndex {
 public:
  // ngram (1-3): tokens that must match before a key counts as a copy source; recent: how many of the latest earlier
  // occurrences each query keeps (older ones are rarely read, and every one costs a key block).
  CopySourceIndex(int blockSize, int ngram, int recent);

  // Extends the sequence by n tokens (positions size() .. size() + n - 1).
  void append(const int32_t* tokens, int n);
  // Forgets positions >= n (the model's KV cache was truncated).
  void truncate(int n);
  // Re-indexes the same tokens with another block size (the model's attention settings changed).
  void setBlockSize(int blockSize);

  int size() const { return int(tokens_.size()); }
  int blockSize() const { return blockSize_; }
  // Key blocks (ascending, unique, <= queryBlock) that the queries of absolute block queryBlock copy from.
  const std::vector<int32_t>& blocks(int queryBlock) const {
    return queryBlock >= 0 && size_t(queryBlock) < blocks_.size() ? blocks_[size_t(queryBlock)] : none_;
  }
  // The blocks of query blocks [first, first + count) as CSR (rowPtr gets count + 1 entries): the GPU planner's form.
  // Inline, like blocks(), so the CUDA library reads an index without linking the CPU runtime.
  void csr(int first, int count, std::vector<int32_t>* rowPtr, std::vector<int32_t>* keyBlocks) const {
    rowPtr->assign(1, 0);
    keyBlocks->clear();
    for (int r = 0; r < count; ++r) {
      const std::vector<int32_t>& row = blocks(first + r);
      keyBlocks->insert(keyBlocks->end(), row.begin(), row.end());
      rowPtr->push_back(int32_t(keyBlocks->size()));
    }
  }

 private:
  uint64_t key(int end) const;  // the ngram ending at position end, packed exactly (21 bits a token)
  void index(int position);
  void rebuild(int keep);

  int blockSize_, ngram_, recent_;
  std::vector<int32_t> tokens_;
  std::unordered_map<uint64_t, std::vector<int32_t>> latestEnds_;  // ngram -> its last `recent` end positions
  std::vector<std::vector<int32_t>> blocks_;                        // per absolute query block
  std::vector<int32_t> none_;
};

}  // namespace unisparse
