// The terms one identifier contributes to the lexical index, as server/index/terms.ts's identifierTerms: the
// identifier lower-cased, then (when it has several) its camelCase/snake_case/digit parts of two or more
// characters that differ from the whole. Identifiers here are ASCII ([A-Za-z_$][A-Za-z0-9_$]*).
#pragma once
#include <string>
#include <vector>

namespace unisparse::indexing {

/** Appends the terms of `word` (ASCII, `length` characters) to `out`, duplicates kept as the JavaScript has them. */
void identifierTerms(const char* word, size_t length, std::vector<std::string>& out);

}  // namespace unisparse::indexing
