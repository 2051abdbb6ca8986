#include "identifier_terms.h"

namespace unisparse::indexing {
namespace {

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return isUpper(c) ? char(c + 32) : c; }

/**
 * The next match of /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/ at or after `p`: sets [start, end) and returns true, or
 * false when there is none. The alternatives in the regular expression's order, with its backtracking spelled out.
 */
bool nextPart(const char* w, size_t n, size_t p, size_t& start, size_t& end) {
  for (; p < n; p++) {
    if (isUpper(w[p])) {
      size_t q = p;
      while (q < n && isUpper(w[q])) q++;
      // [A-Z]+(?![a-z]): the whole run, or one less when a lower-case letter follows (that letter's capital starts
      // the next part); a single capital before lower-case falls through to [A-Z]?[a-z]+.
      if (q == n || !isLower(w[q])) { start = p; end = q; return true; }
      if (q - p >= 2) { start = p; end = q - 1; return true; }
      q = p + 1;
      while (q < n && isLower(w[q])) q++;
      start = p; end = q; return true;
    }
    if (isLower(w[p])) {
      size_t q = p;
      while (q < n && isLower(w[q])) q++;
      start = p; end = q; return true;
    }
    if (isDigit(w[p])) {
      size_t q = p;
      while (q < n && isDigit(w[q])) q++;
      start = p; end = q; return true;
    }
  }
  return false;
}

}  // namespace

void identifierTerms(const char* word, size_t length, std::vector<std::string>& out) {
  std::string whole(length, ' ');
  bool plain = true;   // only [a-z]: no parts to split
  for (size_t i = 0; i < length; i++) {
    whole[i] = lower(word[i]);
    if (!isLower(word[i])) plain = false;
  }
  out.push_back(whole);
  if (plain) return;
  size_t first = out.size();
  size_t parts = 0;
  size_t start = 0, end = 0;
  for (size_t p = 0; nextPart(word, length, p, start, end); p = end) {
    parts++;
    if (end - start >= 2) {
      std::string part(end - start, ' ');
      for (size_t i = start; i < end; i++) part[i - start] = lower(word[i]);
      if (part != whole) out.push_back(std::move(part));
    }
  }
  if (parts <= 1) out.resize(first);
}

}  // namespace unisparse::indexing
