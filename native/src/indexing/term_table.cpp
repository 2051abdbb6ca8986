#include "term_table.h"

#include <algorithm>
#include <string>

#include "identifier_terms.h"
#include "text_lines.h"

namespace unisparse::indexing {
namespace {

constexpr uint32_t kFnvOffset = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

/** 1: can start an identifier ([A-Za-z_$]); 2: can only continue one ([0-9]); 0: neither (terms.ts). */
struct CharClass {
  uint8_t cls[128] = {};
  CharClass() {
    for (int c = 0; c < 128; c++) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$') cls[c] = 1;
      else if (c >= '0' && c <= '9') cls[c] = 2;
    }
  }
};
const CharClass kClass;

/** Open addressing by an FNV-1a hash of the characters: (hash, 1 + index) per slot, at most a quarter full. */
class StringSlots {
 public:
  /** The index stored for the characters chars[0..len) (hash h), or -1; `at(index)` gives a stored string. */
  template <typename Char, typename At>
  int32_t find(const Char* chars, size_t len, uint32_t h, At at) const {
    const size_t mask = slots_.size() / 2 - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      const uint32_t v = slots_[2 * s + 1];
      if (v == 0) return -1;
      if (slots_[2 * s] != h) continue;
      const std::string& stored = at(int32_t(v - 1));
      if (stored.size() != len) continue;
      size_t k = 0;
      while (k < len && (unsigned char)stored[k] == chars[k]) k++;
      if (k == len) return int32_t(v - 1);
    }
  }

  void insert(uint32_t h, int32_t index) {
    if (++size_ * 4 > slots_.size()) {
      std::vector<uint32_t> old(slots_.size() * 2, 0);
      old.swap(slots_);
      for (size_t s = 0; s < old.size(); s += 2)
        if (old[s + 1] != 0) place(old[s], old[s + 1]);
    }
    place(h, uint32_t(index) + 1);
  }

 private:
  void place(uint32_t h, uint32_t v) {
    const size_t mask = slots_.size() / 2 - 1;
    size_t s = h & mask;
    while (slots_[2 * s + 1] != 0) s = (s + 1) & mask;
    slots_[2 * s] = h;
    slots_[2 * s + 1] = v;
  }

  std::vector<uint32_t> slots_ = std::vector<uint32_t>(1 << 11, 0);
  size_t size_ = 0;
};

/** (term, chunk, count) entries in first-seen order; see fileTermTable.ts's TermTableBuilder. */
class TermCounter {
 public:
  int32_t newTerm(std::string term) {
    names_.push_back(std::move(term));
    lastEntry_.push_back(-1);
    chunkCounts_.push_back(0);
    return int32_t(names_.size() - 1);
  }

  void add(int32_t chunk, int32_t id) {
    const int32_t e = lastEntry_[id];
    if (e >= 0 && entryChunk_[e] == chunk) { entryCount_[e]++; return; }
    lastEntry_[id] = int32_t(entryTerm_.size());
    entryTerm_.push_back(id);
    entryChunk_.push_back(chunk);
    entryCount_.push_back(1);
    chunkCounts_[id]++;
  }

  void build(TermTable& out) const {
    const size_t n = names_.size();
    size_t chars = 0;
    for (const auto& name : names_) chars += name.size();
    out.termBytes.resize(chars);
    out.termStarts.assign(n + 1, 0);
    out.offsets.assign(n + 1, 0);
    out.pairs.assign(entryTerm_.size() * 2, 0);
    size_t size = 4;
    while (size < n * 2) size *= 2;
    out.slots.assign(size, 0);
    const size_t mask = size - 1;
    int32_t c = 0, p = 0;
    for (size_t k = 0; k < n; k++) {
      const std::string& name = names_[k];
      out.termStarts[k] = c;
      uint32_t h = kFnvOffset;
      for (unsigned char ch : name) { out.termBytes[c++] = ch; h = (h ^ ch) * kFnvPrime; }
      size_t s = h & mask;
      while (out.slots[s] != 0) s = (s + 1) & mask;
      out.slots[s] = int32_t(k + 1);
      out.offsets[k] = p;
      p += chunkCounts_[k] * 2;
    }
    out.termStarts[n] = c;
    out.offsets[n] = p;
    std::vector<int32_t> fill(out.offsets.begin(), out.offsets.begin() + n);
    for (size_t e = 0; e < entryTerm_.size(); e++) {
      const int32_t at = fill[entryTerm_[e]];
      out.pairs[at] = entryChunk_[e];
      out.pairs[at + 1] = entryCount_[e];
      fill[entryTerm_[e]] = at + 2;
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<int32_t> lastEntry_, chunkCounts_;
  std::vector<int32_t> entryTerm_, entryChunk_, entryCount_;
};

/** Adds the terms of a stretch of lines to a chunk; each distinct identifier is split into terms once per file. */
class LineTermScanner {
 public:
  LineTermScanner(const char16_t* text, const TextLines& lines) : text_(text), lines_(lines) {}

  int32_t scan(int32_t from, int32_t to, int32_t chunk) {
    if (from > to || from < 1 || to > lines_.count()) return 0;
    int32_t count = 0;
    const int32_t n = lines_.end(to);
    int32_t i = lines_.start(from);
    while (i < n) {
      const char16_t c = text_[i];
      if (c >= 128 || kClass.cls[c] != 1) { i++; continue; }
      uint32_t h = (kFnvOffset ^ c) * kFnvPrime;
      int32_t j = i + 1;
      for (; j < n; j++) {
        const char16_t d = text_[j];
        if (d >= 128 || kClass.cls[d] == 0) break;
        h = (h ^ d) * kFnvPrime;
      }
      const int32_t len = j - i;
      if (len >= 2) {
        int32_t w = slots_.find(text_ + i, size_t(len), h, [this](int32_t k) -> const std::string& { return words_[k]; });
        if (w < 0) w = addWord(i, len, h);
        const int32_t end = termStarts_[w + 1];
        for (int32_t k = termStarts_[w]; k < end; k++) counter_.add(chunk, termIds_[k]);
        count += end - termStarts_[w];
      }
      i = j;
    }
    return count;
  }

  const TermCounter& counter() const { return counter_; }

 private:
  int32_t addWord(int32_t at, int32_t len, uint32_t h) {
    const int32_t w = int32_t(words_.size());
    std::string word(size_t(len), ' ');
    for (int32_t k = 0; k < len; k++) word[k] = char(text_[at + k]);   // ASCII: see CharClass
    terms_.clear();
    identifierTerms(word.data(), word.size(), terms_);
    words_.push_back(std::move(word));
    for (auto& t : terms_) {
      uint32_t th = kFnvOffset;
      for (unsigned char ch : t) th = (th ^ ch) * kFnvPrime;
      int32_t id = termSlots_.find(t.data(), t.size(), th, [this](int32_t k) -> const std::string& { return termNames_[k]; });
      if (id < 0) {
        id = counter_.newTerm(t);
        termNames_.push_back(t);
        termSlots_.insert(th, id);
      }
      termIds_.push_back(id);
    }
    termStarts_.push_back(int32_t(termIds_.size()));
    slots_.insert(h, w);
    return w;
  }

  const char16_t* text_;
  const TextLines& lines_;
  TermCounter counter_;
  StringSlots slots_, termSlots_;
  std::vector<std::string> words_, termNames_, terms_;
  std::vector<int32_t> termStarts_ = {0};
  std::vector<int32_t> termIds_;
};

struct ChunkNode {
  int32_t index, start, end;
  std::vector<int32_t> children;   // node indices, in the order the nesting pass finds them
};

}  // namespace

TermTable buildTermTable(const char16_t* text, int32_t length, const int32_t* chunkStarts, const int32_t* chunkEnds, int32_t chunks) {
  TextLines lines(text, length);
  std::vector<ChunkNode> nodes(size_t(std::max(chunks, 0)));
  for (int32_t k = 0; k < chunks; k++) nodes[k] = {k, chunkStarts[k], chunkEnds[k], {}};
  // A chunk's direct children: sorted by start, then longest first, then index, with a stack of open chunks.
  std::vector<int32_t> order(nodes.size());
  for (size_t k = 0; k < order.size(); k++) order[k] = int32_t(k);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (nodes[a].start != nodes[b].start) return nodes[a].start < nodes[b].start;
    if (nodes[a].end != nodes[b].end) return nodes[a].end > nodes[b].end;
    return a < b;
  });
  std::vector<int32_t> stack;
  for (int32_t k : order) {
    while (!stack.empty() && nodes[stack.back()].end < nodes[k].end) stack.pop_back();
    if (!stack.empty()) {
      ChunkNode& parent = nodes[stack.back()];
      if (parent.start <= nodes[k].start && nodes[k].end <= parent.end) parent.children.push_back(k);
    }
    stack.push_back(k);
  }
  LineTermScanner scanner(text, lines);
  const int32_t last = lines.count();
  TermTable out;
  out.lengths.assign(nodes.size(), 0);
  for (const ChunkNode& node : nodes) {
    int32_t count = 0;
    int32_t line = node.start;
    for (int32_t c : node.children) {
      if (line < nodes[c].start) count += scanner.scan(line, std::min(nodes[c].start - 1, last), node.index);
      line = std::max(line, nodes[c].end + 1);
    }
    if (line <= node.end) count += scanner.scan(line, std::min(node.end, last), node.index);
    out.lengths[node.index] = count;
  }
  scanner.counter().build(out);
  return out;
}

}  // namespace unisparse::indexing
