#include "json.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "error.h"

namespace unisparse {

const JsonValue* JsonValue::get(const std::string& key) const {
  if (kind != Kind::Object) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

namespace {

class Parser {
 public:
  Parser(const char* text, size_t length, const std::string& what) : p_(text), begin_(text), end_(text + length), what_(what) {}

  JsonValue parseDocument() {
    JsonValue v = parseValue(0);
    skipSpace();
    if (p_ != end_) error("unexpected text after the end of the document");
    return v;
  }

 private:
  [[noreturn]] void error(const char* reason) {
    fail(what_, ": invalid JSON at byte ", size_t(p_ - begin_), ": ", reason, ".");
  }
  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool consume(const char* word) {
    const size_t n = std::strlen(word);
    if (size_t(end_ - p_) >= n && std::memcmp(p_, word, n) == 0) { p_ += n; return true; }
    return false;
  }

  JsonValue parseValue(int depth) {
    if (depth > 200) error("nesting is too deep");
    skipSpace();
    if (p_ >= end_) error("unexpected end of text");
    JsonValue v;
    const char c = *p_;
    if (c == '{') {
      v.kind = JsonValue::Kind::Object;
      ++p_;
      skipSpace();
      if (p_ < end_ && *p_ == '}') { ++p_; return v; }
      for (;;) {
        skipSpace();
        if (p_ >= end_ || *p_ != '"') error("expected a string key");
        std::string key = parseString();
        skipSpace();
        if (p_ >= end_ || *p_ != ':') error("expected ':' after a key");
        ++p_;
        v.object[key] = parseValue(depth + 1);
        skipSpace();
        if (p_ < end_ && *p_ == ',') { ++p_; continue; }
        if (p_ < end_ && *p_ == '}') { ++p_; return v; }
        error("expected ',' or '}' in an object");
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Kind::Array;
      ++p_;
      skipSpace();
      if (p_ < end_ && *p_ == ']') { ++p_; return v; }
      for (;;) {
        v.array.push_back(parseValue(depth + 1));
        skipSpace();
        if (p_ < end_ && *p_ == ',') { ++p_; continue; }
        if (p_ < end_ && *p_ == ']') { ++p_; return v; }
        error("expected ',' or ']' in an array");
      }
    }
    if (c == '"') { v.kind = JsonValue::Kind::String; v.string = parseString(); return v; }
    if (consume("true")) { v.kind = JsonValue::Kind::Bool; v.boolean = true; return v; }
    if (consume("false")) { v.kind = JsonValue::Kind::Bool; return v; }
    if (consume("null")) return v;
    if (consume("NaN")) { v.kind = JsonValue::Kind::Number; v.number = NAN; return v; }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::string num;
      while (p_ < end_ && (std::strchr("+-.eE", *p_) || (*p_ >= '0' && *p_ <= '9'))) num += *p_++;
      char* stop = nullptr;
      v.kind = JsonValue::Kind::Number;
      v.number = std::strtod(num.c_str(), &stop);
      if (!stop || *stop) error("malformed number");
      return v;
    }
    error("unexpected character");
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) out += char(cp);
    else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) { out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F)); }
    else { out += char(0xF0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 0x3F)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F)); }
  }

  uint32_t parseHex4() {
    if (end_ - p_ < 4) error("truncated \\u escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = *p_++;
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= uint32_t(h - 'A' + 10);
      else error("bad \\u escape");
    }
    return cp;
  }

  std::string parseString() {
    ++p_;  // opening quote
    std::string out;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ != '\\') { out += *p_++; continue; }
      ++p_;
      if (p_ >= end_) break;
      const char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parseHex4();
          if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            const uint32_t lo = parseHex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: error("unknown escape in a string");
      }
    }
    if (p_ >= end_) error("unterminated string");
    ++p_;
    return out;
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  const std::string& what_;
};

}  // namespace

JsonValue parseJson(const char* text, size_t length, const std::string& what) {
  return Parser(text, length, what).parseDocument();
}

}  // namespace unisparse
