// The lexical pass over C-family and JavaScript/TypeScript source that runs before tree-sitter: blanks the function
// bodies that hold no definition, counts the identifiers written as code, collects JavaScript module specifiers.
// The same scanner, decision for decision, as server/index/codeSkeleton.ts (see there for what it keeps and why).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace unisparse::indexing {

enum class SkeletonFamily { C, JS, TS };

struct CodeSkeleton {
  /** False when the scanner cannot follow the text (the caller parses it whole); the rest is then empty. */
  bool ok = false;
  /** [start, end) pairs of UTF-16 offsets blanked to their newlines, outermost only, in order. */
  std::vector<int32_t> ranges;
  /** Per range: a comment (JavaScript/TypeScript), blanked to one space when it holds no newline (so that two tokens it separated stay two). */
  std::vector<bool> comments;
  /** Identifiers (ASCII) in first-seen order, with their counts. */
  std::vector<std::string> identifiers;
  std::vector<int32_t> counts;
  /** Module specifiers as [start, end) offsets of the text, in source order. */
  std::vector<int32_t> imports;
  bool cpp = false;
};

CodeSkeleton codeSkeleton(const char16_t* text, int32_t length, SkeletonFamily family);

}  // namespace unisparse::indexing
