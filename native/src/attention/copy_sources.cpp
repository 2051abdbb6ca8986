#include "copy_sources.h"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace unisparse {

CopySourceIndex::CopySourceIndex(int blockSize, int ngram, int recent)
    : blockSize_(blockSize), ngram_(ngram), recent_(recent) {
  if (blockSize < 1) throw std::invalid_argument("copy sources: blockSize must be positive.");
  if (ngram < 1 || ngram > 3)
    throw std::invalid_argument("copy sources: ngram " + std::to_string(ngram) + " must be 1, 2 or 3.");
  if (recent < 1) throw std::invalid_argument("copy sources: recent must be at least 1.");
}

uint64_t CopySourceIndex::key(int end) const {
  uint64_t k = 0;
  for (int t = end - ngram_ + 1; t <= end; ++t) k = (k << 21) | (uint64_t(uint32_t(tokens_[size_t(t)])) & 0x1FFFFF);
  return k;
}

void CopySourceIndex::index(int position) {
  if (position < ngram_ - 1) return;
  const uint64_t k = key(position);
  std::vector<int32_t>& ends = latestEnds_[k];
  if (!ends.empty()) {
    std::vector<int32_t>& row = blocks_[size_t(position / blockSize_)];
    // Each earlier end e is followed by key e + 1 <= position: the token an induction head copies.
    for (int32_t e : ends) {
      const int32_t block = (e + 1) / blockSize_;
      auto at = std::lower_bound(row.begin(), row.end(), block);
      if (at == row.end() || *at != block) row.insert(at, block);
    }
  }
  if (int(ends.size()) == recent_) ends.erase(ends.begin());
  ends.push_back(position);
}

void CopySourceIndex::append(const int32_t* tokens, int n) {
  const int start = size();
  tokens_.insert(tokens_.end(), tokens, tokens + n);
  blocks_.resize(size_t((size() + blockSize_ - 1) / blockSize_));
  for (int p = start; p < size(); ++p) index(p);
}

void CopySourceIndex::rebuild(int keep) {
  // The per-ngram lists only hold the latest ends, so earlier ones cannot be recovered: re-index the kept tokens.
  std::vector<int32_t> kept(tokens_.begin(), tokens_.begin() + keep);
  tokens_.clear();
  latestEnds_.clear();
  blocks_.clear();
  append(kept.data(), int(kept.size()));
}

void CopySourceIndex::truncate(int n) {
  if (n < size()) rebuild(std::max(n, 0));
}

void CopySourceIndex::setBlockSize(int blockSize) {
  if (blockSize < 1) throw std::invalid_argument("copy sources: blockSize must be positive.");
  if (blockSize == blockSize_) return;
  blockSize_ = blockSize;
  rebuild(size());
}

}  // namespace unisparse
