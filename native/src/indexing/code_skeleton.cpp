#include "code_skeleton.h"

#include <initializer_list>
#include <unordered_map>

namespace unisparse::indexing {
namespace {

// What a word is to the scanner: bits for the word sets of codeSkeleton.ts, and bits for the single words it asks for.
enum : uint32_t {
  kCKeyword = 1u << 0,      // C_KEYWORDS
  kJsKeyword = 1u << 1,     // JS_KEYWORDS
  kStatement = 1u << 2,     // JS_STATEMENT_WORDS: `word (...) {` is a statement, not a method
  kRegexAfter = 1u << 3,    // JS_REGEX_AFTER_WORDS: a `/` after them starts a regular expression
  kCppQualifier = 1u << 4,  // CPP_QUALIFIERS: allowed between `)` and a body
  kAccess = 1u << 5,        // ACCESS
  kCDefining = 1u << 6,     // C_DEFINING: `struct name {`
  kJsDefining = 1u << 7,    // JS_DEFINING: `interface Name`
  kClass = 1u << 8, kTypedef = 1u << 9, kDefine = 1u << 10, kNamespace = 1u << 11, kDeclaration = 1u << 12,   // const let var
  kRequire = 1u << 13, kFrom = 1u << 14, kImport = 1u << 15, kTemplate = 1u << 16,
  kConditionalOpen = 1u << 17,     // C_CONDITIONAL_OPEN: #if #ifdef #ifndef
  kConditionalSwitch = 1u << 18,   // C_CONDITIONAL_SWITCH: #else #elif
  kEndif = 1u << 19,
  kExtern = 1u << 20,
  kReturn = 1u << 21,
  kInterface = 1u << 22,
  kExport = 1u << 23, kAs = 1u << 24, kType = 1u << 25,
  kFunction = 1u << 26, kSatisfies = 1u << 27,
};

const std::unordered_map<std::string, uint32_t>& wordFlags() {
  static const std::unordered_map<std::string, uint32_t> flags = [] {
    std::unordered_map<std::string, uint32_t> m;
    auto add = [&m](uint32_t flag, std::initializer_list<const char*> words) { for (const char* w : words) m[w] |= flag; };
    add(kCKeyword, {"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
                    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
                    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
                    "true", "false", "NULL", "nullptr", "class", "namespace", "template", "typename", "public", "private",
                    "protected", "virtual", "override", "final", "operator", "new", "delete", "this", "throw", "try", "catch",
                    "using", "friend", "explicit", "mutable", "noexcept", "constexpr", "decltype", "include", "define", "undef",
                    "ifdef", "ifndef", "endif", "elif", "pragma", "error", "line", "defined"});
    add(kJsKeyword, {"break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
                     "export", "extends", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new",
                     "return", "super", "switch", "this", "throw", "try", "typeof", "var", "void", "while", "with", "yield",
                     "async", "await", "of", "static", "get", "set", "true", "false", "null", "undefined", "from", "as",
                     "interface", "type", "enum", "implements", "declare", "readonly", "abstract", "public", "private",
                     "protected", "namespace", "module", "keyof", "infer", "is"});
    add(kStatement, {"if", "for", "while", "switch", "catch", "with", "function", "return", "typeof", "await", "yield", "new",
                     "in", "of", "do", "else", "void", "delete", "throw", "case"});
    add(kRegexAfter, {"return", "typeof", "case", "in", "of", "new", "delete", "void", "throw", "else", "do", "yield", "await",
                      "instanceof"});
    add(kCppQualifier, {"const", "override", "final", "noexcept", "volatile", "mutable"});
    add(kAccess, {"public", "private", "protected"});
    add(kCDefining, {"struct", "union", "enum", "class", "namespace"});
    add(kJsDefining, {"function", "interface", "enum", "namespace", "module", "type"});
    add(kClass, {"class"}); add(kTypedef, {"typedef"}); add(kDefine, {"define"}); add(kNamespace, {"namespace"});
    add(kDeclaration, {"const", "let", "var"}); add(kRequire, {"require"}); add(kFrom, {"from"}); add(kImport, {"import"});
    add(kTemplate, {"template"});
    add(kConditionalOpen, {"if", "ifdef", "ifndef"}); add(kConditionalSwitch, {"else", "elif"}); add(kEndif, {"endif"}); add(kExtern, {"extern"}); add(kReturn, {"return"}); add(kInterface, {"interface"});
    add(kExport, {"export"}); add(kAs, {"as"}); add(kType, {"type"});
    add(kFunction, {"function"}); add(kSatisfies, {"satisfies"});
    return m;
  }();
  return flags;
}

bool isAsciiLetter(char16_t c) { return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z'); }
bool isDigit(char16_t c) { return c >= u'0' && c <= u'9'; }
/** [A-Za-z0-9_$]: what continues a word (WORD in codeSkeleton.ts). */
bool isWordChar(char16_t c) { return isAsciiLetter(c) || isDigit(c) || c == u'_' || c == u'$'; }
/** \w of a JavaScript regular expression: [A-Za-z0-9_]. */
bool isRegexWordChar(char16_t c) { return isAsciiLetter(c) || isDigit(c) || c == u'_'; }
/** \s of a JavaScript regular expression. */
bool isRegexSpace(char16_t c) {
  return (c >= 9 && c <= 13) || c == 32 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}
bool among(char16_t c, const char* set) {
  for (const char* p = set; *p; p++) if (c == char16_t(*p)) return true;
  return false;
}

/** The distinct words of a file, with their flags and (for identifiers) first-seen order and counts. */
class Words {
 public:
  struct Word { std::string name; uint32_t flags; int32_t counted; };   // counted: index in the output, or -1

  int32_t intern(const char16_t* text, int32_t i, int32_t j) {
    uint32_t h = 2166136261u;
    for (int32_t k = i; k < j; k++) h = (h ^ text[k]) * 16777619u;
    const size_t len = size_t(j - i);
    const size_t mask = slots_.size() - 1;
    size_t s = h & mask;
    for (;; s = (s + 1) & mask) {
      const int32_t v = slots_[s];
      if (v == 0) break;
      if (hashes_[s] != h) continue;
      const std::string& name = words_[v - 1].name;
      if (name.size() != len) continue;
      size_t k = 0;
      while (k < len && char16_t((unsigned char)name[k]) == text[i + int32_t(k)]) k++;
      if (k == len) return v - 1;
    }
    std::string name(len, ' ');
    for (size_t k = 0; k < len; k++) name[k] = char(text[i + int32_t(k)]);   // ASCII: see isWordChar
    const auto& table = wordFlags();
    const auto found = table.find(name);
    words_.push_back({std::move(name), found == table.end() ? 0u : found->second, -1});
    const int32_t w = int32_t(words_.size() - 1);
    slots_[s] = w + 1;
    hashes_[s] = h;
    if (words_.size() * 2 > slots_.size()) grow();
    return w;
  }

  Word& operator[](int32_t w) { return words_[w]; }

 private:
  void grow() {
    std::vector<int32_t> slots(slots_.size() * 2, 0);
    std::vector<uint32_t> hashes(slots.size(), 0);
    const size_t mask = slots.size() - 1;
    for (size_t s = 0; s < slots_.size(); s++) {
      if (slots_[s] == 0) continue;
      size_t t = hashes_[s] & mask;
      while (slots[t] != 0) t = (t + 1) & mask;
      slots[t] = slots_[s];
      hashes[t] = hashes_[s];
    }
    slots_.swap(slots);
    hashes_.swap(hashes);
  }

  std::vector<Word> words_;
  std::vector<int32_t> slots_ = std::vector<int32_t>(1024, 0);
  std::vector<uint32_t> hashes_ = std::vector<uint32_t>(1024, 0);
};

/** A token as the scanner remembers it: none yet, a word, or one punctuation character ('"' a string, '0' a number). */
struct Token {
  enum Kind : uint8_t { kNone, kWord, kPunct } kind = kNone;
  int32_t word = -1;
  char16_t ch = 0;
};

/** An open `#if` (codeSkeleton.ts's Conditional): the depths where it started; `zero` for an `#if 0` being read. */
struct Conditional {
  size_t depth;
  size_t parens;
  bool zero;
};

/** codeSkeleton.ts's ModuleStep: how far a top-level import, `export ... from` or `require` statement has been read. */
enum class ModuleStep : uint8_t {
  None, Done, Import, Export, ExportStar, ExportAlias, Braces, ImportBraces, Clause, From, Specifier,
  Declaration, DeclarationBraces, DeclarationName, Require, RequireOpen, RequireSpecifier, RequireParen, RequireClose, RequireMember,
};

struct Block {
  int32_t open;
  bool body;       // a function body
  bool defs;       // something inside defines a name: it must stay for tree-sitter
  bool isTemplate; // a `${` of a template literal, not a block
};

/** For each open '(', the token before it: a word, ']' (kBracket) or anything else (kOther). */
constexpr int32_t kOther = -1;
constexpr int32_t kBracket = -2;

class Scanner {
 public:
  Scanner(const char16_t* text, int32_t n, SkeletonFamily family, bool oneConfiguration)
      : text_(text), n_(n), family_(family), js_(family != SkeletonFamily::C), keyword_(js_ ? kJsKeyword : kCKeyword),
        oneConfiguration_(oneConfiguration) {}

  CodeSkeleton run() {
    CodeSkeleton out;
    stack_.push_back({-1, false, false, false});
    if (!scan(out)) return CodeSkeleton{};
    if (stack_.size() != 1 || !parens_.empty()) return CodeSkeleton{};
    out.ok = true;
    out.ranges = std::move(ranges_);
    out.comments = std::move(comments_);
    out.cpp = cpp_;
    return out;
  }

 private:
  bool has(const Token& t, uint32_t flag) { return t.kind == Token::kWord && (words_[t.word].flags & flag) != 0; }
  static bool is(const Token& t, char16_t ch) { return t.kind == Token::kPunct && t.ch == ch; }
  char16_t at(int32_t i) const { return i >= 0 && i < n_ ? text_[i] : char16_t(0xffff); }   // 0xffff: charCodeAt's NaN
  void markDefs() { stack_.back().defs = true; }
  void push(Token t) {
    if (js_) { moduleToken(t); specifier_ = false; }
    t2_ = t1_; t1_ = t;
  }
  ModuleStep nextModuleStep(ModuleStep step, const Token& t);
  /** codeSkeleton.ts's moduleToken: advances the module statement being read by `t` (before t1_ and t2_ move). */
  void moduleToken(const Token& t) {
    if (moduleStep_ != ModuleStep::None) {
      moduleStep_ = nextModuleStep(moduleStep_, t);
      if (moduleStep_ == ModuleStep::Done) {
        // The whole statement, nested ranges (comments, an import's braces) included.
        while (!ranges_.empty() && ranges_[ranges_.size() - 2] > moduleAt_) { ranges_.resize(ranges_.size() - 2); comments_.pop_back(); }
        addRange(moduleAt_, i_, false);
        moduleStep_ = ModuleStep::None;
      }
    }
    if (moduleStep_ == ModuleStep::None && t.kind == Token::kWord && stack_.size() == 1 && parens_.empty() && brackets_ == 0 &&
        (t1_.kind == Token::kNone || is(t1_, u';') || is(t1_, u'}'))) {
      const uint32_t flags = words_[t.word].flags;
      moduleStep_ = (flags & kImport) ? ModuleStep::Import : (flags & kExport) ? ModuleStep::Export
                  : (flags & kDeclaration) ? ModuleStep::Declaration : ModuleStep::None;
      moduleAt_ = i_ - int32_t(words_[t.word].name.size());
    }
  }
  void pushPunct(char16_t ch) { push(Token{Token::kPunct, -1, ch}); }
  int32_t indexOf(char16_t ch, int32_t from) const {
    for (int32_t k = from < 0 ? 0 : from; k < n_; k++) if (text_[k] == ch) return k;
    return -1;
  }

  /** Whether the next token starts an expression (where `/` is a regular expression and `<` may open JSX). */
  bool expressionStart() {
    if (t1_.kind == Token::kNone) return true;
    if (t1_.kind == Token::kWord) return has(t1_, kRegexAfter);
    if (!among(t1_.ch, "(,=:[!&|?{};+-*%<>~^")) return false;
    // `x! / y`: TypeScript's non-null assertion.
    const bool t2WordLike = t2_.kind == Token::kWord || (t2_.kind == Token::kPunct && (isRegexWordChar(t2_.ch) || t2_.ch == u'$'));
    return !(t1_.ch == u'!' && (is(t2_, u')') || is(t2_, u']') || t2WordLike));
  }

  /** A template literal from i_ (after the backtick or the `}` closing a `${`); false when unterminated. */
  bool scanTemplate() {
    while (i_ < n_) {
      const char16_t c = text_[i_];
      if (c == 92) { i_ += 2; continue; }
      if (c == 96) { i_++; pushPunct(u'"'); return true; }
      if (c == 36 && at(i_ + 1) == 123) {
        i_ += 2;
        stack_.push_back({i_ - 1, false, false, true});
        pushPunct(u'(');
        return true;
      }
      i_++;
    }
    return false;
  }

  /** DEFINING_VALUE (`async`, `function`, `class`, `(`, `<`, `x =>`) at i_, within the next 200 characters. */
  bool definingValue() const {
    const int32_t limit = n_ < i_ + 200 ? n_ : i_ + 200;
    int32_t k = i_;
    while (k < limit && isRegexSpace(text_[k])) k++;
    if (k >= limit) return false;
    auto keyword = [&](const char* w) {
      int32_t p = k;
      for (const char* c = w; *c; c++, p++) if (p >= limit || text_[p] != char16_t(*c)) return false;
      return p == limit || !isRegexWordChar(text_[p]);
    };
    if (keyword("async") || keyword("function") || keyword("class")) return true;
    const char16_t c = text_[k];
    if (c == u'(') return arrowAfterParen(k);
    if (c == u'<') return true;
    if (!(isAsciiLetter(c) || c == u'_' || c == u'$')) return false;
    int32_t p = k + 1;
    while (p < limit && isWordChar(text_[p])) p++;
    while (p < limit && isRegexSpace(text_[p])) p++;
    return p + 1 < limit && text_[p] == u'=' && text_[p + 1] == u'>';
  }

  bool scan(CodeSkeleton& out);

  /** arrowAfterParen in codeSkeleton.ts: the `(` at `open` starts an arrow function's parameters (or cannot tell). */
  bool arrowAfterParen(int32_t open) const {
    const int32_t limit = n_ < open + 2000 ? n_ : open + 2000;
    int32_t depth = 0;
    for (int32_t k = open; k < limit; k++) {
      const char16_t c = text_[k];
      if (c == u'(') {
        depth++;
      } else if (c == u')') {
        if (--depth > 0) continue;
        int32_t j = k + 1;
        while (j < n_ && isRegexSpace(text_[j])) j++;
        return at(j) == u':' || (at(j) == u'=' && at(j + 1) == u'>');
      } else if (c == u'"' || c == u'\'' || c == u'`' || c == u'/') {
        return true;
      }
    }
    return true;
  }

  /** directiveAt in codeSkeleton.ts: the word at `start` follows a `#` that begins its line. */
  bool directiveAt(int32_t start) const {
    int32_t k = start - 1;
    while (k >= 0 && (text_[k] == u' ' || text_[k] == u'\t')) k--;
    if (k < 0 || text_[k] != u'#') return false;
    k--;
    while (k >= 0 && (text_[k] == u' ' || text_[k] == u'\t')) k--;
    return k < 0 || text_[k] == u'\n' || text_[k] == u'\r';
  }

  /** externDeclarationEnd in codeSkeleton.ts: the end of a one-line `extern` declaration at `start`, or 0. */
  int32_t externDeclarationEnd(int32_t start) const {
    for (int32_t k = start - 1; k >= 0 && text_[k] != u'\n'; k--) if (text_[k] != u' ' && text_[k] != u'\t') return 0;
    int32_t e = indexOf(u'\n', start);
    if (e < 0) e = n_;
    int32_t last = e - 1;
    while (last > start && (text_[last] == u' ' || text_[last] == u'\t' || text_[last] == u'\r')) last--;
    if (text_[last] != u';') return 0;
    for (int32_t k = start; k < last; k++) {
      const char16_t c = text_[k];
      if (c == u'"' || c == u'\'') {   // a string or character, closed on this line
        for (k++; k < last && text_[k] != c; k++) if (text_[k] == u'\\') k++;
        if (k >= last) return 0;
        continue;
      }
      if (c == u'{' || c == u'}' || c == u'\\' || (c == u'/' && (at(k + 1) == u'*' || at(k + 1) == u'/'))) return 0;
    }
    return last + 1;
  }

  /** IF_ZERO in codeSkeleton.ts: spaces or tabs, `0`, and no word character or `.` after it. */
  bool ifZeroAt(int32_t k) const {
    while (k < n_ && (text_[k] == u' ' || text_[k] == u'\t')) k++;
    if (k >= n_ || text_[k] != u'0') return false;
    k++;
    return k >= n_ || !(isRegexWordChar(text_[k]) || text_[k] == u'.');
  }

  const char16_t* text_;
  const int32_t n_;
  const SkeletonFamily family_;
  const bool js_;
  const uint32_t keyword_;
  const bool oneConfiguration_;   // C: #if branches read as one configuration (Conditional in codeSkeleton.ts)
  Words words_;
  std::vector<int32_t> ranges_;
  std::vector<bool> comments_;   // per range: a comment (codeSkeleton.ts's `comments`)
  int32_t brackets_ = 0;         // open '[' (comments in a computed name are kept)
  void addRange(int32_t start, int32_t end, bool comment) {
    ranges_.push_back(start);
    ranges_.push_back(end);
    comments_.push_back(comment);
  }
  std::vector<Block> stack_;
  std::vector<int32_t> parens_;
  // Per open '(' (with parens_): where it is, whether it is a list that may be blanked, and whether something in it
  // could define (codeSkeleton.ts's parenOpen, parenListed, parenDirty).
  std::vector<int32_t> parenOpen_;
  std::vector<uint8_t> parenListed_, parenDirty_;
  void dirtyParen() { if (!parenDirty_.empty()) parenDirty_.back() = 1; }
  std::vector<Conditional> conditionals_;   // open #if (C)
  int32_t skipFrom_ = -1;   // index in conditionals_ of the #if whose remaining branches are read without their braces
  Token t1_, t2_;
  int32_t i_ = 0;
  bool cpp_ = false;
  ModuleStep moduleStep_ = ModuleStep::None;
  int32_t moduleAt_ = -1;    // first character of the module statement being read
  bool specifier_ = false;   // the string token being pushed is a module specifier
};

ModuleStep Scanner::nextModuleStep(ModuleStep step, const Token& t) {
  const bool word = t.kind == Token::kWord;
  const uint32_t flags = word ? words_[t.word].flags : 0;
  const char16_t punct = t.kind == Token::kPunct ? t.ch : 0;
  const size_t depth = stack_.size();
  switch (step) {
    case ModuleStep::Import:
    case ModuleStep::Clause:
      if (specifier_ && step == ModuleStep::Import) return ModuleStep::Specifier;   // import 'x';
      if (word) return (flags & kFrom) ? ModuleStep::From : step;
      return punct == u'{' ? ModuleStep::ImportBraces : punct == u'*' || punct == u',' ? step : ModuleStep::None;
    case ModuleStep::Export:
      if (word) return (flags & kType) ? ModuleStep::Export : ModuleStep::None;
      return punct == u'{' ? ModuleStep::Braces : punct == u'*' ? ModuleStep::ExportStar : ModuleStep::None;
    case ModuleStep::ExportStar:
      if (!word) return ModuleStep::None;
      return (flags & kFrom) ? ModuleStep::From : (flags & kAs) ? ModuleStep::ExportAlias : ModuleStep::None;
    case ModuleStep::ExportAlias:
      return word ? ModuleStep::ExportStar : ModuleStep::None;
    case ModuleStep::Braces:
    case ModuleStep::ImportBraces:
      if (word || punct == u',') return step;
      if (punct != u'}' || depth != 1) return ModuleStep::None;
      return step == ModuleStep::ImportBraces ? ModuleStep::Clause : ModuleStep::ExportStar;   // then only `from`
    case ModuleStep::From:
      return specifier_ ? ModuleStep::Specifier : ModuleStep::None;
    case ModuleStep::Specifier:
      return punct == u';' ? ModuleStep::Done : ModuleStep::None;
    case ModuleStep::Declaration:
      if (word) return ModuleStep::DeclarationName;
      return punct == u'{' ? ModuleStep::DeclarationBraces : ModuleStep::None;
    case ModuleStep::DeclarationBraces:
      if (word || punct == u',' || punct == u':') return step;
      return punct == u'}' && depth == 1 ? ModuleStep::DeclarationName : ModuleStep::None;
    case ModuleStep::DeclarationName:
      return punct == u'=' ? ModuleStep::Require : ModuleStep::None;
    case ModuleStep::Require:
      return (flags & kRequire) ? ModuleStep::RequireOpen : ModuleStep::None;
    case ModuleStep::RequireOpen:
      return punct == u'(' ? ModuleStep::RequireSpecifier : ModuleStep::None;
    case ModuleStep::RequireSpecifier:
      return specifier_ ? ModuleStep::RequireParen : ModuleStep::None;
    case ModuleStep::RequireParen:
      return punct == u')' ? ModuleStep::RequireClose : ModuleStep::None;
    case ModuleStep::RequireClose:
      return punct == u';' ? ModuleStep::Done : punct == u'.' ? ModuleStep::RequireMember : ModuleStep::None;
    case ModuleStep::RequireMember:
      return word ? ModuleStep::RequireClose : ModuleStep::None;
    default:
      return ModuleStep::None;
  }
}

bool Scanner::scan(CodeSkeleton& out) {
  bool bodyReady = false;     // the tokens since the last ')' can still be followed by a function body
  int32_t afterParen = kOther;   // the token before the '(' of the last ')'
  bool returnType = false;    // inside a TypeScript return type
  bool declName = false;      // `const|let|var NAME` was just read
  int32_t declStack = -1, declParens = -1, declBrackets = -1;   // depths of the `const|let|var` declaration being read
  bool declValue = false;     // the `=` of `const|let|var NAME =` was the last token
  int32_t macroEnd = -1;      // end of the #define being read (C)
  bool attributed = false;    // second reading: a macro call before the name being declared (codeSkeleton.ts)
  bool interfaceHeader = false;   // TypeScript: `interface Name ...` read, its `{` not yet
  int32_t typeBodyAt = -1;        // stack index of the interface body being read
  const int32_t n = n_;
  const char16_t* text = text_;
  int32_t& i = i_;
  while (i < n) {
    const char16_t c = text[i];
    if (c <= 32) { i++; continue; }
    if (isAsciiLetter(c) || c == 95 || c == 36) {
      const int32_t wordStart = i;
      int32_t j = i + 1;
      while (j < n && isWordChar(text[j])) j++;
      const int32_t w = words_.intern(text, i, j);
      const int32_t length = j - i;
      i = j;
      const uint32_t flags = words_[w].flags;
      if (bodyReady && !(js_ ? returnType : (flags & kCppQualifier) != 0)) bodyReady = false;
      if (flags & keyword_) {
        if (js_) {
          if (flags & kClass) { markDefs(); dirtyParen(); }
          else if ((flags & kInterface) && family_ == SkeletonFamily::TS && !is(t1_, u'.')) interfaceHeader = true;
        } else if (flags & kTypedef) {
          markDefs();
        } else if ((flags & kExtern) && stack_.size() == 1 && parens_.empty() && skipFrom_ < 0 && wordStart > macroEnd) {
          const int32_t end = externDeclarationEnd(wordStart);
          if (end > 0) addRange(wordStart, end, false);
        } else if ((flags & kDefine) && is(t1_, u'#')) {
          markDefs();
          // A macro's braces are not a function body: blanking them would cut its line continuations.
          int32_t e = indexOf(u'\n', i);
          while (e > 0 && (at(e - 1) == 92 || (at(e - 1) == 13 && at(e - 2) == 92))) e = indexOf(u'\n', e + 1);
          macroEnd = e < 0 ? n : e;
        } else if (oneConfiguration_ && is(t1_, u'#') && wordStart > macroEnd && (flags & (kConditionalOpen | kConditionalSwitch | kEndif)) && directiveAt(wordStart)) {
          const int32_t top = int32_t(conditionals_.size()) - 1;
          if (flags & kConditionalOpen) {
            const bool zero = length == 2 && text[wordStart] == u'i' && text[wordStart + 1] == u'f' && ifZeroAt(i);
            conditionals_.push_back({stack_.size(), parens_.size(), zero});
            if (zero && skipFrom_ < 0) skipFrom_ = top + 1;
          } else if (flags & kConditionalSwitch) {
            if (top >= 0 && conditionals_[top].zero && skipFrom_ == top) {
              skipFrom_ = -1;   // the #else of an #if 0: the code that is compiled
              conditionals_[top].zero = false;
            } else if (top >= 0 && skipFrom_ < 0 && (stack_.size() != conditionals_[top].depth || parens_.size() != conditionals_[top].parens)) {
              skipFrom_ = top;
              markDefs();
            }
          } else if (top >= 0) {
            if (skipFrom_ == top) skipFrom_ = -1;
            conditionals_.pop_back();
          }
        }
      } else {
        if (length >= 2) {
          Words::Word& word = words_[w];
          if (word.counted < 0) {
            word.counted = int32_t(out.identifiers.size());
            out.identifiers.push_back(word.name);
            out.counts.push_back(0);
          }
          out.counts[word.counted]++;
        }
        if (has(t1_, js_ ? kJsDefining : kCDefining)) markDefs();
        if (oneConfiguration_ && is(t1_, u')') && stack_.size() == 1) attributed = true;   // `ATTR(4,0) name(`
        if (!js_ && (has(t1_, kClass) || has(t1_, kNamespace))) cpp_ = true;   // C may name a variable `class`, not a type
        if (js_ && has(t1_, kDeclaration)) {
          declName = true;
          declStack = int32_t(stack_.size()); declParens = int32_t(parens_.size()); declBrackets = brackets_;
        } else if (js_ && is(t1_, u',') && declStack == int32_t(stack_.size()) && declParens == int32_t(parens_.size()) && declBrackets == brackets_) {
          declName = true;   // the next declarator of `var a = 1, f = function () {}`
        }
      }
      push(Token{Token::kWord, w, 0});
      continue;
    }
    if (isDigit(c)) {   // numbers (hex, exponents, separators) whole, so `1e3` is not a word
      int32_t j = i + 1;
      while (j < n && (isWordChar(text[j]) ? text[j] != u'$' : text[j] == u'.')) j++;
      i = j; pushPunct(u'0'); bodyReady = false; continue;
    }
    if (c == 47) {   // '/'
      const char16_t d = at(i + 1);
      if (d == 47) {
        const int32_t e = indexOf(u'\n', i);
        const int32_t end = e < 0 ? n : e;
        if (js_ && brackets_ == 0) addRange(i, end, true);
        i = end;
        continue;
      }
      if (d == 42) {
        int32_t e = -1;
        for (int32_t k = i + 2; k + 1 < n; k++) if (text[k] == u'*' && text[k + 1] == u'/') { e = k; break; }
        if (e < 0) return false;
        if (js_ && brackets_ == 0) addRange(i, e + 2, true);
        i = e + 2; continue;
      }
      if (js_ && expressionStart()) {
        int32_t j = i + 1; bool inClass = false;
        for (;;) {
          if (j >= n) return false;
          const char16_t e = text[j];
          if (e == 10) return false;
          if (e == 92) { j += 2; continue; }
          if (e == 91) inClass = true; else if (e == 93) inClass = false; else if (e == 47 && !inClass) break;
          j++;
        }
        i = j + 1;
        pushPunct(u'"'); bodyReady = false;
        continue;
      }
      i++; pushPunct(u'/'); bodyReady = false; continue;
    }
    if (c == 34 || c == 39) {   // " '
      int32_t j = i + 1;
      for (;;) {
        if (j >= n) return false;
        const char16_t e = text[j];
        if (e == 92) { j += 2; continue; }
        if (e == c) break;
        if (e == 10) { if (js_) return false; break; }   // C: an apostrophe in #error text ends at the line
        j++;
      }
      if (js_ && ((is(t1_, u'(') && has(t2_, kRequire)) || has(t1_, kFrom) || (has(t1_, kImport) && !is(t2_, u'.')))) {
        out.imports.push_back(i + 1);
        out.imports.push_back(j);
        specifier_ = true;
      }
      i = j + 1; pushPunct(u'"'); bodyReady = false;
      continue;
    }
    if (c == 96 && js_) { dirtyParen(); i++; bodyReady = false; if (!scanTemplate()) return false; continue; }
    const char16_t ch = c;
    // JSX; not the second `<` of `a<<b`, nor a `<` after a postfix `i++` / `i--` (codeSkeleton.ts).
    const bool postfix = (is(t1_, u'+') || is(t1_, u'-')) && is(t2_, t1_.ch) && at(i - 1) == t1_.ch;
    if (ch == u'<' && family_ == SkeletonFamily::JS && at(i - 1) != u'<' && !postfix && expressionStart()) {
      const char16_t next = at(i + 1);
      if (isAsciiLetter(next) || next == u'>') return false;   // JSX
    }
    i++;
    if (ch == u'[') brackets_++;
    else if (ch == u']' && brackets_ > 0) brackets_--;
    if (skipFrom_ >= 0 && (ch == u'(' || ch == u')' || ch == u'{' || ch == u'}')) {
      bodyReady = false;   // a later branch of an unbalanced #if: its braces are not followed
    } else if (ch == u'(') {
      // In an interface body, `m(`, `m?(`, `m<T>(`, `[k](`, `"m"(`: a method signature, which the queries capture.
      if (typeBodyAt >= 0 && (t1_.kind == Token::kWord || is(t1_, u']') || is(t1_, u'"') || is(t1_, u'?') || is(t1_, u'>'))) markDefs();
      // `[k](` and `"name"(` (JavaScript): a method if a body follows, as after a word.
      parens_.push_back(t1_.kind == Token::kWord ? t1_.word : is(t1_, u']') || (js_ && is(t1_, u'"')) ? kBracket : kOther);
      const uint32_t before = t1_.kind == Token::kWord ? words_[t1_.word].flags : 0;
      parenOpen_.push_back(i - 1);
      parenListed_.push_back(js_ && brackets_ == 0 && t1_.kind == Token::kWord && (!(before & keyword_) || (before & kFunction)) && !(before & kSatisfies));
      parenDirty_.push_back(0);
      if (!returnType) bodyReady = false;
    } else if (ch == u')') {
      if (parens_.empty()) afterParen = kOther; else { afterParen = parens_.back(); parens_.pop_back(); }
      if (!parenOpen_.empty()) {
        const int32_t open = parenOpen_.back();
        const bool listed = parenListed_.back() != 0, dirty = parenDirty_.back() != 0;
        parenOpen_.pop_back(); parenListed_.pop_back(); parenDirty_.pop_back();
        if (dirty) {
          dirtyParen();   // the enclosing list holds it
        } else if (listed && i - 1 > open + 1) {
          while (!ranges_.empty() && ranges_[ranges_.size() - 2] > open) { ranges_.resize(ranges_.size() - 2); comments_.pop_back(); }
          addRange(open + 1, i - 1, false);
        }
      }
      bodyReady = true; returnType = false;
    } else if (ch == u'{') {
      if (family_ != SkeletonFamily::JS) dirtyParen();   // TypeScript: a type literal's method signature
      // Function bodies (`) {`, `) const {`, `): T {`, `=> {`) and initialisers (`x = {`; in TypeScript only after
      // const/let/var, since `type T = { m(): void }` holds definitions).
      const bool initialiser = is(t1_, u'=') && (family_ != SkeletonFamily::TS || declValue);
      // JavaScript: an object literal (codeSkeleton.ts's OBJECT_BEFORE), blanked like a body when nothing in it defines.
      const bool objectLiteral = family_ == SkeletonFamily::JS &&
                                 (t1_.kind == Token::kWord ? has(t1_, kReturn) : t1_.kind == Token::kPunct && among(t1_.ch, "(,:[?"));
      const bool body = i - 1 >= macroEnd && (bodyReady || initialiser || objectLiteral || interfaceHeader || (js_ && is(t1_, u'>') && is(t2_, u'=')));
      const bool method = afterParen == kBracket || (afterParen >= 0 && !(words_[afterParen].flags & kStatement));
      if (js_ && bodyReady && is(t1_, u')') && method) stack_.back().defs = true;   // `name(...) {`: a method
      if (!js_ && !body && t1_.kind == Token::kWord && !(words_[t1_.word].flags & keyword_) && has(t2_, kCDefining))
        stack_.back().defs = true;   // `struct name {`
      stack_.push_back({i - 1, body, body && attributed, false});
      if (interfaceHeader && typeBodyAt < 0) typeBodyAt = int32_t(stack_.size()) - 1;
      attributed = false; interfaceHeader = false;
      bodyReady = false; returnType = false;
    } else if (ch == u'}') {
      if (stack_.size() < 2) return false;
      const Block b = stack_.back();
      stack_.pop_back();
      if (family_ != SkeletonFamily::JS || b.defs) dirtyParen();   // JavaScript: a block that defines a name
      if (int32_t(stack_.size()) < declStack) declStack = declParens = declBrackets = -1;
      if (int32_t(stack_.size()) <= typeBodyAt) typeBodyAt = -1;
      if (b.isTemplate) { bodyReady = false; if (!scanTemplate()) return false; continue; }
      if (b.defs) {
        stack_.back().defs = true;
      } else if (b.body && i - 1 > b.open + 1) {
        // Outermost wins: drop the ranges recorded for blocks nested in this one.
        while (!ranges_.empty() && ranges_[ranges_.size() - 2] > b.open) { ranges_.resize(ranges_.size() - 2); comments_.pop_back(); }
        addRange(b.open + 1, i - 1, false);
      }
      bodyReady = false; returnType = false;
    } else if (!js_ && ((ch == u':' && (at(i) == 58 || has(t1_, kAccess))) || (ch == u'<' && has(t1_, kTemplate)))) {
      cpp_ = true;   // `::`, `public:`, `template <`
      bodyReady = false;
    } else if (ch == u':' && js_ && bodyReady && is(t1_, u')')) {
      returnType = true;   // `): Type {` keeps a body possible
    } else if (returnType && among(ch, ".<>[]|&,?")) {
      // inside a return type
    } else {
      // JavaScript: an assignment or a default, not `=>` nor a comparison (`==`, `!==`, `<=`, `>=`).
      if (ch == u'=' && (family_ != SkeletonFamily::JS || !(at(i) == u'>' || at(i) == u'=' || among(at(i - 2), "=!<>")))) dirtyParen();
      if (ch == u'=' && js_ && declName && t1_.kind == Token::kWord && !is(t2_, u'.')) {
        // `const f = (...) =>`, `= async`, `= function`, `= class`, `= x =>`: a definition; err towards yes.
        if (definingValue()) markDefs();
      }
      declValue = ch == u'=' && declName;
      if (ch == u'=' || ch == u';' || ch == u',') declName = false;
      if (ch == u';' && declStack == int32_t(stack_.size())) declStack = declParens = declBrackets = -1;
      if (ch == u';') { attributed = false; interfaceHeader = false; }
      bodyReady = false; returnType = false;
    }
    pushPunct(ch);
  }
  return true;
}

}  // namespace

CodeSkeleton codeSkeleton(const char16_t* text, int32_t length, SkeletonFamily family) {
  // C: a file that does not balance with every #if branch followed is read again as one configuration.
  CodeSkeleton out = Scanner(text, length, family, false).run();
  if (!out.ok && family == SkeletonFamily::C) out = Scanner(text, length, family, true).run();
  return out;
}

}  // namespace unisparse::indexing
