// Model metadata values: GGUF key/value pairs (all GGUF value types, arrays included) or config.json entries.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace unisparse {

struct MetaValue {
  enum class Kind { Int, Float, Bool, String, Array };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<MetaValue> array;

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double asNumber() const { return kind == Kind::Float ? f : double(i); }
};

using Metadata = std::map<std::string, MetaValue>;

}  // namespace unisparse
