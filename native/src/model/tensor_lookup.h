// Finding a model's weight tensors by role, shared by the CPU loader (weights.cpp) and the GPU loader
// (native/cuda/model/device_weights.cu): the same names, the same "missing tensor" message, and the same count of
// tensor types that the model info reports, whichever device the weights go to.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "tensor_source.h"
#include "tensor_types.h"
#include "weight_names.h"

namespace unisparse {

class TensorLookup {
 public:
  explicit TensorLookup(const TensorSource& src) : src_(src), gguf_(src.format == "gguf") {}

  std::string name(const RoleNames& role, int layer) const { return tensorName(role, layer, gguf_); }

  const TensorInfo* find(const RoleNames& role, int layer) const {
    auto it = src_.tensors.find(name(role, layer));
    return it == src_.tensors.end() ? nullptr : &it->second;
  }

  const TensorInfo& require(const RoleNames& role, int layer) const {
    const TensorInfo* t = find(role, layer);
    if (!t)
      fail(src_.path, ": tensor ", name(role, layer), " is missing; the file is incomplete or not a ",
           "Llama-family model this runtime reads.");
    return *t;
  }

  // A tensor shape for messages, innermost dimension first as the file stores it.
  static std::string shapeText(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
  }

  void count(TensorType type) { ++types_[typeTraits(uint32_t(type))->name]; }
  std::vector<std::pair<std::string, int>> typeCounts() const { return {types_.begin(), types_.end()}; }

 protected:
  const TensorSource& src_;
  bool gguf_;

 private:
  std::map<std::string, int> types_;
};

}  // namespace unisparse
