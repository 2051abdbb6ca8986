// A minimal JSON reader for config.json and safetensors headers (no writer: nothing native emits JSON).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace unisparse {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  const JsonValue* get(const std::string& key) const;  // null unless an object holding key
  bool isNumber() const { return kind == Kind::Number; }
  bool isString() const { return kind == Kind::String; }
  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
};

// Throws ModelError "<what>: invalid JSON at byte N: <reason>".
JsonValue parseJson(const char* text, size_t length, const std::string& what);

}  // namespace unisparse
