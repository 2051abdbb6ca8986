// Parse and query in one native call, for the index: tree-sitter (the runtime that the npm tree-sitter package
// vendors, built into this addon) parses a file's text with a grammar package's language, runs a compiled query over
// the tree, and hands back the captures as flat numbers; the tree is freed before the call returns. The index then
// builds no node objects and keeps no tree for the garbage collector to free (server/index/nativeGrammars.ts).
#pragma once
#ifdef UNISPARSE_WITH_TREE_SITTER
#include <tree_sitter/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace unisparse::indexing {

/** A query compiled for one language; owns the TSQuery. */
class CompiledQuery {
 public:
  /** Throws std::runtime_error with tree-sitter's error kind and offset when `source` does not compile. */
  CompiledQuery(const TSLanguage* language, const std::string& source);
  ~CompiledQuery();
  CompiledQuery(const CompiledQuery&) = delete;
  CompiledQuery& operator=(const CompiledQuery&) = delete;

  const TSLanguage* language() const { return language_; }
  const TSQuery* query() const { return query_; }
  const std::vector<std::string>& captureNames() const { return captureNames_; }
  /**
   * Whether a pattern carries a predicate that parseAndMatch does not evaluate (anything but #eq? / #not-eq? of a
   * capture and a string): such a query must go through the npm binding, which evaluates predicates in JavaScript.
   */
  bool unsupportedPredicates() const { return unsupportedPredicates_; }

  /** `#eq? @capture "value"` (or #not-eq?): every node of the capture in a match must (not) have this text. */
  struct TextPredicate { uint32_t capture; std::u16string value; bool positive; };
  const std::vector<TextPredicate>& predicates(uint32_t pattern) const { return predicates_[pattern]; }

  /**
   * The node types (by symbol) that patterns start at, when every pattern starts at a plain `(type ...)` and none
   * captures references: parseAndMatch then runs the query only at those nodes (a tree walk costs far less than the
   * query cursor's visit of every node). Empty: run the query over the whole tree.
   */
  const std::vector<bool>& rootSymbols() const { return rootSymbols_; }

 private:
  const TSLanguage* language_;
  TSQuery* query_ = nullptr;
  std::vector<std::string> captureNames_;
  std::vector<std::vector<TextPredicate>> predicates_;   // per pattern
  bool unsupportedPredicates_ = false;
  std::vector<bool> rootSymbols_;
};

/** Words of the flat capture list: per match, the capture count, then per capture these fields. */
constexpr int kCaptureFields = 7;   // capture id, start, end (UTF-16 units), start row, start column, end row, end column

/**
 * Parses `text` (UTF-16) with the query's language and appends its matches to `out`: [captureCount, then
 * captureCount x (capture id, start, end, start row, start column, end row, end column)] per match, without the
 * matches whose text predicates fail (what the npm binding's Query.matches returns), in the order tree-sitter's query
 * cursor yields them (with rootSymbols: by the nodes the matches start at, in document order). Columns and offsets in
 * UTF-16 code units, as the npm binding reports them. False when tree-sitter returns no tree.
 */
bool parseAndMatch(const CompiledQuery& query, const char16_t* text, uint32_t length, std::vector<int32_t>& out);

/**
 * The references of a whole-file parse, counted the way server/index/fileParser.ts counts them: every capture with id
 * `refCapture` leaves `matches` (a match left with no capture leaves too), and its text, when two characters or more
 * and not at the start of a capture `nameCapture` (a definition's own name), is counted; names in first-seen order.
 */
struct ReferenceCounts {
  std::vector<std::u16string> names;
  std::vector<int32_t> counts;
};
void takeReferences(std::vector<int32_t>& matches, const char16_t* text, int32_t refCapture, int32_t nameCapture, ReferenceCounts& out);

/** Whether `language`'s ABI is one this runtime reads. */
bool languageSupported(const TSLanguage* language);

}  // namespace unisparse::indexing
#endif
