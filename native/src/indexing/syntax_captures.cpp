#include "syntax_captures.h"
#ifdef UNISPARSE_WITH_TREE_SITTER

#include <cctype>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace unisparse::indexing {
namespace {

const char* queryErrorName(TSQueryError e) {
  switch (e) {
    case TSQueryErrorSyntax: return "syntax";
    case TSQueryErrorNodeType: return "node type";
    case TSQueryErrorField: return "field";
    case TSQueryErrorCapture: return "capture";
    case TSQueryErrorStructure: return "structure";
    case TSQueryErrorLanguage: return "language";
    default: return "unknown";
  }
}

/** One parser and one query cursor per thread (index workers are threads; each parses one file at a time). */
struct ThreadTools {
  TSParser* parser = ts_parser_new();
  TSQueryCursor* cursor = ts_query_cursor_new();
  ~ThreadTools() { ts_parser_delete(parser); ts_query_cursor_delete(cursor); }
};

ThreadTools& threadTools() {
  thread_local ThreadTools tools;
  return tools;
}

/**
 * CompiledQuery::rootSymbols: the symbols named by the node type each pattern starts with, or empty when a pattern
 * starts otherwise (an alternation, a wildcard, a string, a group) or the query captures `ref` (every identifier).
 */
std::vector<bool> patternRoots(const TSLanguage* language, const TSQuery* query, const std::string& source,
                               const std::vector<std::string>& captureNames) {
  for (const auto& name : captureNames) if (name == "ref") return {};
  std::vector<std::string> roots;
  for (uint32_t p = 0, n = ts_query_pattern_count(query); p < n; p++) {
    size_t k = ts_query_start_byte_for_pattern(query, p);
    if (k >= source.size() || source[k] != '(') return {};
    size_t e = ++k;
    while (e < source.size() && (std::isalnum((unsigned char)source[e]) || source[e] == '_')) e++;
    if (e == k || source[k] == '_' || e >= source.size() || !(source[e] == ' ' || source[e] == ')' || source[e] == '\n')) return {};
    roots.emplace_back(source, k, e - k);
  }
  const uint32_t count = ts_language_symbol_count(language);
  std::vector<bool> symbols(count, false);
  bool any = false;
  for (uint32_t s = 0; s < count; s++) {
    if (ts_language_symbol_type(language, TSSymbol(s)) != TSSymbolTypeRegular) continue;
    const char* name = ts_language_symbol_name(language, TSSymbol(s));
    for (const auto& r : roots) if (name && r == name) { symbols[s] = true; any = true; }
  }
  return any ? symbols : std::vector<bool>{};
}

}  // namespace

CompiledQuery::CompiledQuery(const TSLanguage* language, const std::string& source) : language_(language) {
  uint32_t errorOffset = 0;
  TSQueryError errorType = TSQueryErrorNone;
  query_ = ts_query_new(language, source.data(), uint32_t(source.size()), &errorOffset, &errorType);
  if (!query_) throw std::runtime_error(std::string("Query error of type ") + queryErrorName(errorType) + " at position " + std::to_string(errorOffset));
  for (uint32_t i = 0, n = ts_query_capture_count(query_); i < n; i++) {
    uint32_t len = 0;
    const char* name = ts_query_capture_name_for_id(query_, i, &len);
    captureNames_.emplace_back(name, len);
  }
  const uint32_t patterns = ts_query_pattern_count(query_);
  predicates_.resize(patterns);
  for (uint32_t p = 0; p < patterns; p++) {
    uint32_t count = 0;
    const TSQueryPredicateStep* steps = ts_query_predicates_for_pattern(query_, p, &count);
    // Predicates are runs of steps ended by a Done step: [String operator, Capture, String value, Done] is the
    // one form evaluated here; any other sends the whole query to the npm binding.
    for (uint32_t i = 0; i < count;) {
      uint32_t end = i;
      while (end < count && steps[end].type != TSQueryPredicateStepTypeDone) end++;
      std::string op;
      if (steps[i].type == TSQueryPredicateStepTypeString) {
        uint32_t len = 0;
        const char* name = ts_query_string_value_for_id(query_, steps[i].value_id, &len);
        op.assign(name, len);
      }
      if (end - i == 3 && (op == "eq?" || op == "not-eq?") && steps[i + 1].type == TSQueryPredicateStepTypeCapture &&
          steps[i + 2].type == TSQueryPredicateStepTypeString) {
        uint32_t len = 0;
        const char* value = ts_query_string_value_for_id(query_, steps[i + 2].value_id, &len);
        std::u16string text;
        bool ascii = true;
        for (uint32_t k = 0; k < len; k++) {
          if ((unsigned char)value[k] >= 128) ascii = false;
          text.push_back(char16_t((unsigned char)value[k]));
        }
        if (ascii) predicates_[p].push_back({steps[i + 1].value_id, std::move(text), op == "eq?"});
        else unsupportedPredicates_ = true;   // a non-ASCII value would need UTF-8 decoding: leave it to the binding
      } else {
        unsupportedPredicates_ = true;
      }
      i = end + 1;
    }
  }
  rootSymbols_ = patternRoots(language, query_, source, captureNames_);
}

CompiledQuery::~CompiledQuery() { if (query_) ts_query_delete(query_); }

bool languageSupported(const TSLanguage* language) {
  const uint32_t v = ts_language_abi_version(language);
  return v >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION && v <= TREE_SITTER_LANGUAGE_VERSION;
}

static void collectMatches(const CompiledQuery& query, TSQueryCursor* cursor, const char16_t* text, std::vector<int32_t>& out);

bool parseAndMatch(const CompiledQuery& query, const char16_t* text, uint32_t length, std::vector<int32_t>& out) {
  ThreadTools& tools = threadTools();
  if (!ts_parser_set_language(tools.parser, query.language())) return false;
  TSTree* tree = ts_parser_parse_string_encoding(tools.parser, nullptr, reinterpret_cast<const char*>(text), length * 2,
                                                 TSInputEncodingUTF16LE);
  if (!tree) return false;
  TSQueryCursor* cursor = tools.cursor;
  // The whole tree, no match limit: what the npm binding's Query.matches does with its defaults.
  ts_query_cursor_set_byte_range(cursor, 0, 0);
  ts_query_cursor_set_point_range(cursor, TSPoint{0, 0}, TSPoint{0, 0});
  ts_query_cursor_set_match_limit(cursor, UINT32_MAX);
  ts_query_cursor_set_timeout_micros(cursor, 0);
  const std::vector<bool>& roots = query.rootSymbols();
  if (roots.empty()) {
    ts_query_cursor_set_max_start_depth(cursor, UINT32_MAX);
    ts_query_cursor_exec(cursor, query.query(), ts_tree_root_node(tree));
    collectMatches(query, cursor, text, out);
  } else {
    // Only the patterns that start at each node of a root type (max start depth 0), found by a walk in document order.
    ts_query_cursor_set_max_start_depth(cursor, 0);
    TSTreeCursor walk = ts_tree_cursor_new(ts_tree_root_node(tree));
    for (;;) {
      const TSNode node = ts_tree_cursor_current_node(&walk);
      const TSSymbol symbol = ts_node_symbol(node);
      if (symbol < roots.size() && roots[symbol]) {
        ts_query_cursor_exec(cursor, query.query(), node);
        collectMatches(query, cursor, text, out);
      }
      if (ts_tree_cursor_goto_first_child(&walk)) continue;
      bool moved = false;
      while (!(moved = ts_tree_cursor_goto_next_sibling(&walk))) if (!ts_tree_cursor_goto_parent(&walk)) break;
      if (!moved) break;
    }
    ts_tree_cursor_delete(&walk);
  }
  ts_tree_delete(tree);
  return true;
}

static void collectMatches(const CompiledQuery& query, TSQueryCursor* cursor, const char16_t* text, std::vector<int32_t>& out) {
  TSQueryMatch match;
  while (ts_query_cursor_next_match(cursor, &match)) {
    bool keep = true;
    for (const auto& predicate : query.predicates(match.pattern_index)) {
      for (uint16_t i = 0; i < match.capture_count && keep; i++) {
        if (match.captures[i].index != predicate.capture) continue;
        const TSNode node = match.captures[i].node;
        const uint32_t start = ts_node_start_byte(node) / 2, end = ts_node_end_byte(node) / 2;
        const bool same = end - start == predicate.value.size() && predicate.value.compare(0, predicate.value.size(), text + start, end - start) == 0;
        keep = same == predicate.positive;
      }
    }
    if (!keep) continue;
    out.push_back(match.capture_count);
    for (uint16_t i = 0; i < match.capture_count; i++) {
      const TSNode node = match.captures[i].node;
      const TSPoint start = ts_node_start_point(node), end = ts_node_end_point(node);
      out.push_back(int32_t(match.captures[i].index));
      out.push_back(int32_t(ts_node_start_byte(node) / 2));
      out.push_back(int32_t(ts_node_end_byte(node) / 2));
      out.push_back(int32_t(start.row));
      out.push_back(int32_t(start.column / 2));
      out.push_back(int32_t(end.row));
      out.push_back(int32_t(end.column / 2));
    }
  }
}

void takeReferences(std::vector<int32_t>& matches, const char16_t* text, int32_t refCapture, int32_t nameCapture, ReferenceCounts& out) {
  constexpr size_t kFields = kCaptureFields;
  std::unordered_set<int32_t> nameStarts;
  for (size_t i = 0; i < matches.size();) {
    const size_t count = size_t(matches[i++]);
    for (size_t k = 0; k < count; k++, i += kFields)
      if (matches[i] == nameCapture) nameStarts.insert(matches[i + 1]);
  }
  std::unordered_map<std::u16string, size_t> index;
  size_t write = 0;
  for (size_t i = 0; i < matches.size();) {
    const size_t count = size_t(matches[i++]);
    const size_t countAt = write++;
    size_t kept = 0;
    for (size_t k = 0; k < count; k++, i += kFields) {
      if (matches[i] != refCapture) {
        for (size_t f = 0; f < kFields; f++) matches[write++] = matches[i + f];
        kept++;
        continue;
      }
      const int32_t start = matches[i + 1], end = matches[i + 2];
      if (nameStarts.count(start) || end - start < 2) continue;
      std::u16string name(text + start, size_t(end - start));
      const auto found = index.find(name);
      if (found != index.end()) { out.counts[found->second]++; continue; }
      index.emplace(name, out.names.size());
      out.names.push_back(std::move(name));
      out.counts.push_back(1);
    }
    if (kept) matches[countAt] = int32_t(kept); else write = countAt;
  }
  matches.resize(write);
}

}  // namespace unisparse::indexing
#endif
