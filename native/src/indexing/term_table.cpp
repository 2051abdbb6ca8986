#include "term_table.h"

#include <algorithm>
#include <memory>
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

/**
 * Strings back to back in one buffer, string k at [starts[k], starts[k + 1]): one allocation for all of a file's
 * words or terms instead of one per string.
 */
class StringArena {
 public:
  void clear() { chars_.clear(); starts_.assign(1, 0); }
  int32_t size() const { return int32_t(starts_.size()) - 1; }
  const char* data(int32_t k) const { return chars_.data() + starts_[size_t(k)]; }
  size_t length(int32_t k) const { return size_t(starts_[size_t(k) + 1] - starts_[size_t(k)]); }
  template <typename Char>
  int32_t add(const Char* chars, size_t len) {
    const size_t at = chars_.size();
    chars_.resize(at + len);
    for (size_t i = 0; i < len; i++) chars_[at + i] = char(chars[i]);   // ASCII: see CharClass
    starts_.push_back(int32_t(chars_.size()));
    return size() - 1;
  }
  /** The characters of string k equal chars[0..len). */
  template <typename Char>
  bool equals(int32_t k, const Char* chars, size_t len) const {
    if (length(k) != len) return false;
    const char* stored = data(k);
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)stored[i] != chars[i]) return false;
    return true;
  }

 private:
  std::string chars_;
  std::vector<int32_t> starts_ = {0};
};

/**
 * Open addressing by an FNV-1a hash of the characters: (hash, 1 + index) per slot, at most a quarter full. Reused from
 * file to file: clear() empties only the slots that were filled.
 */
class StringSlots {
 public:
  /** The index of the arena's string equal to chars[0..len) (hash h), or -1. */
  template <typename Char>
  int32_t find(const Char* chars, size_t len, uint32_t h, const StringArena& arena) const {
    const size_t mask = slots_.size() / 2 - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      const uint32_t v = slots_[2 * s + 1];
      if (v == 0) return -1;
      if (slots_[2 * s] == h && arena.equals(int32_t(v - 1), chars, len)) return int32_t(v - 1);
    }
  }

  void insert(uint32_t h, int32_t index) {
    if ((used_.size() + 1) * 4 > slots_.size()) {
      std::vector<uint32_t> old(slots_.size() * 2, 0);
      old.swap(slots_);
      used_.clear();
      for (size_t s = 0; s < old.size(); s += 2)
        if (old[s + 1] != 0) place(old[s], old[s + 1]);
    }
    place(h, uint32_t(index) + 1);
  }

  void clear() {
    const size_t used = used_.size();
    for (uint32_t s : used_) slots_[2 * s] = slots_[2 * s + 1] = 0;
    used_.clear();
    // A table grown for one large file (a bundle with tens of thousands of names) spread every later file's
    // look-ups over megabytes, a cache miss each (a third of this scanner's time in a worker, by perf): it goes back
    // to the size this file needed once a file uses a small part of it.
    if (slots_.size() > 2 * kInitialSlots && used * 16 < slots_.size() / 2) {
      size_t slots = kInitialSlots;
      while (slots < used * 4) slots *= 2;
      slots_.assign(2 * slots, 0);
    }
  }

 private:
  void place(uint32_t h, uint32_t v) {
    const size_t mask = slots_.size() / 2 - 1;
    size_t s = h & mask;
    while (slots_[2 * s + 1] != 0) s = (s + 1) & mask;
    slots_[2 * s] = h;
    slots_[2 * s + 1] = v;
    used_.push_back(uint32_t(s));
  }

  static constexpr size_t kInitialSlots = 1 << 10;
  std::vector<uint32_t> slots_ = std::vector<uint32_t>(2 * kInitialSlots, 0);
  std::vector<uint32_t> used_;
};

/** (term, chunk, count) entries in first-seen order; see fileTermTable.ts's TermTableBuilder. */
class TermCounter {
 public:
  void clear() {
    lastEntry_.clear();
    chunkCounts_.clear();
    entryTerm_.clear();
    entryChunk_.clear();
    entryCount_.clear();
  }

  /** A new term's id: the next index of the arena that holds the term names. */
  void newTerm() {
    lastEntry_.push_back(-1);
    chunkCounts_.push_back(0);
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

  void build(const StringArena& names, TermTable& out) {
    const int32_t n = names.size();
    size_t chars = 0;
    for (int32_t k = 0; k < n; k++) chars += names.length(k);
    out.termBytes.resize(chars);
    out.termStarts.assign(size_t(n) + 1, 0);
    out.offsets.assign(size_t(n) + 1, 0);
    out.pairs.assign(entryTerm_.size() * 2, 0);
    size_t size = 4;
    while (size < size_t(n) * 2) size *= 2;
    out.slots.assign(size, 0);
    const size_t mask = size - 1;
    int32_t c = 0, p = 0;
    for (int32_t k = 0; k < n; k++) {
      out.termStarts[k] = c;
      const char* name = names.data(k);
      const size_t len = names.length(k);
      uint32_t h = kFnvOffset;
      for (size_t i = 0; i < len; i++) {
        const unsigned char ch = (unsigned char)name[i];
        out.termBytes[c++] = ch;
        h = (h ^ ch) * kFnvPrime;
      }
      size_t s = h & mask;
      while (out.slots[s] != 0) s = (s + 1) & mask;
      out.slots[s] = k + 1;
      out.offsets[k] = p;
      p += chunkCounts_[k] * 2;
    }
    out.termStarts[n] = c;
    out.offsets[n] = p;
    fill_.assign(out.offsets.begin(), out.offsets.begin() + n);
    for (size_t e = 0; e < entryTerm_.size(); e++) {
      const int32_t at = fill_[entryTerm_[e]];
      out.pairs[at] = entryChunk_[e];
      out.pairs[at + 1] = entryCount_[e];
      fill_[entryTerm_[e]] = at + 2;
    }
  }

 private:
  std::vector<int32_t> lastEntry_, chunkCounts_;
  std::vector<int32_t> entryTerm_, entryChunk_, entryCount_;
  std::vector<int32_t> fill_;
};

/**
 * Adds the terms of a stretch of lines to a chunk; each distinct identifier is split into terms once per file. One
 * scanner per thread serves file after file (reset()): its tables and buffers keep their memory, so a file costs no
 * allocation once the thread has seen a larger one.
 */
class LineTermScanner {
 public:
  void reset(const char16_t* text, const TextLines* lines) {
    text_ = text;
    lines_ = lines;
    counter_.clear();
    slots_.clear();
    termSlots_.clear();
    words_.clear();
    termNames_.clear();
    termStarts_.assign(1, 0);
    termIds_.clear();
  }

  int32_t scan(int32_t from, int32_t to, int32_t chunk) {
    if (from > to || from < 1 || to > lines_->count()) return 0;
    int32_t count = 0;
    const int32_t n = lines_->end(to);
    int32_t i = lines_->start(from);
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
        int32_t w = slots_.find(text_ + i, size_t(len), h, words_);
        if (w < 0) w = addWord(i, len, h);
        const int32_t end = termStarts_[w + 1];
        for (int32_t k = termStarts_[w]; k < end; k++) counter_.add(chunk, termIds_[k]);
        count += end - termStarts_[w];
      }
      i = j;
    }
    return count;
  }

  void build(TermTable& out) { counter_.build(termNames_, out); }

 private:
  int32_t addWord(int32_t at, int32_t len, uint32_t h) {
    const int32_t w = words_.add(text_ + at, size_t(len));
    terms_.clear();
    identifierTerms(words_.data(w), words_.length(w), terms_);
    for (auto& t : terms_) {
      uint32_t th = kFnvOffset;
      for (unsigned char ch : t) th = (th ^ ch) * kFnvPrime;
      int32_t id = termSlots_.find(t.data(), t.size(), th, termNames_);
      if (id < 0) {
        id = termNames_.add(t.data(), t.size());
        counter_.newTerm();
        termSlots_.insert(th, id);
      }
      termIds_.push_back(id);
    }
    termStarts_.push_back(int32_t(termIds_.size()));
    slots_.insert(h, w);
    return w;
  }

  const char16_t* text_ = nullptr;
  const TextLines* lines_ = nullptr;
  TermCounter counter_;
  StringSlots slots_, termSlots_;
  StringArena words_, termNames_;
  std::vector<std::string> terms_;
  std::vector<int32_t> termStarts_ = {0};
  std::vector<int32_t> termIds_;
};

/**
 * This thread's scanner, on the heap: a thread_local object itself would have its address specialised into the
 * scanner's functions, and in a shared library every access of a member then goes through __tls_get_addr.
 */
LineTermScanner& threadScanner() {
  thread_local std::unique_ptr<LineTermScanner> scanner = std::make_unique<LineTermScanner>();
  return *scanner;
}

struct ChunkNode {
  int32_t index, start, end;
  std::vector<int32_t> children;   // node indices, in the order the nesting pass finds them
};

}  // namespace

void buildTermTable(const char16_t* text, int32_t length, const int32_t* chunkStarts, const int32_t* chunkEnds, int32_t chunks,
                    TermTable& out) {
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
  LineTermScanner& scanner = threadScanner();
  scanner.reset(text, &lines);
  const int32_t last = lines.count();
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
  scanner.build(out);
}

}  // namespace unisparse::indexing
