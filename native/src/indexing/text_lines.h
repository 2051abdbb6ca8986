// A text's lines as offsets into its UTF-16 code units, the same lines as server/index/lineWindows.ts's TextLines:
// '\n' ends a line, a '\r' before it is not part of the line, and a final newline does not start an extra line.
#pragma once
#include <cstdint>
#include <vector>

namespace unisparse::indexing {

class TextLines {
 public:
  TextLines(const char16_t* text, int32_t length) : text_(text), length_(length) {
    starts_.push_back(0);
    for (int32_t i = 0; i < length - 1; i++)
      if (text[i] == u'\n') starts_.push_back(i + 1);
    count_ = int32_t(starts_.size());
    starts_.push_back(length + 1);
  }

  int32_t count() const { return count_; }
  /** Where line `line` (1-based) starts. */
  int32_t start(int32_t line) const { return starts_[line - 1]; }
  /** Where line `line` ends: before its newline, and before a carriage return in front of that newline. */
  int32_t end(int32_t line) const {
    int32_t e = line < count_ ? starts_[line] - 1 : (length_ > 0 && text_[length_ - 1] == u'\n' ? length_ - 1 : length_);
    if (e > starts_[line - 1] && e < length_ && text_[e] == u'\n' && text_[e - 1] == u'\r') e--;
    return e;
  }

 private:
  const char16_t* text_;
  int32_t length_;
  int32_t count_ = 0;
  std::vector<int32_t> starts_;
};

}  // namespace unisparse::indexing
